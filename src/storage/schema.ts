import type { InferKyselyDB } from '@mikro-orm/sql';
import type { ENTITIES } from '../database/entities.js';

/**
 * The tables as the typed query builder sees them, inferred from the entities (MikroORM's Kysely
 * integration): a column renamed or dropped in an entity fails to compile in every repository that
 * names it, and the column maps of the resource tables are checked against it.
 */
export type DB = InferKyselyDB<(typeof ENTITIES)[number]>;

export type TableName = keyof DB;
