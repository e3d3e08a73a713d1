import type { GeneratedAlways } from 'kysely';
import type { InferKyselyDB } from '@mikro-orm/sql';
import type { ENTITIES } from '../database/entities.js';

type Inferred = InferKyselyDB<(typeof ENTITIES)[number]>;

/**
 * The columns PostgreSQL computes (`GENERATED ALWAYS AS (…) STORED`): the lowercase copies named
 * `<column>_lower` of the case-insensitive columns. They can be read and compared but never written,
 * which the inferred types do not know: an insert or update naming one fails to compile.
 */
type Computed<Row> = {
  [Column in keyof Row]: Column extends `${string}_lower` ? GeneratedAlways<Row[Column]> : Row[Column];
};

/**
 * The tables as the typed query builder sees them, inferred from the entities (MikroORM's Kysely
 * integration): a column renamed or dropped in an entity fails to compile in every repository that
 * names it, and the column maps of the resource tables are checked against it.
 */
export type DB = { [Table in keyof Inferred]: Computed<Inferred[Table]> };

export type TableName = keyof DB;
