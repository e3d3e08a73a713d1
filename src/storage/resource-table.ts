import type { ColumnMap } from '../domain/filter/columns.js';
import { ScimError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import type { ListQuery } from '../domain/list/list-query.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type { ResourceTypeName, ScimResource } from '../domain/schema/types.js';
import type { DerivedColumn } from './resource-columns.js';
import type { TenantTx } from './database.js';
import type { Statement, StatementExtension } from './events.repository.js';
import { MEMBERS_CHANGED_SQL } from './memberships.repository.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from './pg-errors.js';
import {
  listStatement,
  readListRows,
  type ListedRow,
  type RelatedList,
  type RowPage,
} from './resource-list.js';
import { RESOURCE_COLUMNS, TABLES, type ResourceRow } from './resource-rows.js';

export type { RowPage } from './resource-list.js';

/**
 * How a write locks the row it changes. An update takes FOR NO KEY UPDATE, which still lets other
 * transactions name the row as a member (FOR KEY SHARE, see MembershipsRepository); a delete takes FOR
 * UPDATE, which waits for them and makes them wait, so no membership can point at a deleted row.
 */
export type RowLock = 'update' | 'delete';

const LOCK_CLAUSES: Record<RowLock, string> = {
  update: ' FOR NO KEY UPDATE',
  delete: ' FOR UPDATE',
};

/**
 * The statements scim_user and scim_group share: reading, locking, paging, deleting a resource row
 * of the transaction's tenant. The repositories of the two tables build on it.
 */
export class ResourceTable {
  readonly table: string;

  /** INSERT and UPDATE of a row, built once from the table's derived columns: fixed texts, prepared. */
  private readonly insertSql: string;
  private readonly updateSql: string;
  private readonly derivedColumns: [string, DerivedColumn][];

  constructor(
    readonly resourceType: ResourceTypeName,
    /** The table's column map (attribute path → column), for filters and sorting. */
    readonly columns: ColumnMap,
    /** The columns derived from the stored resource (USER_COLUMNS, GROUP_COLUMNS). */
    derived: Record<string, DerivedColumn>,
  ) {
    this.table = TABLES[resourceType];
    this.derivedColumns = Object.entries(derived);
    const names = this.derivedColumns.map(([column]) => column);
    const n = names.length;
    // $1 tenant, $2 id, $3… the derived columns, then the timestamp and the stored form.
    const placeholders = names.map((_, i) => `$${i + 3}`);
    this.insertSql =
      `INSERT INTO ${this.table} AS r (tenant_id, id, ${names.join(', ')}, created_at, last_modified, version, data) ` +
      `VALUES ($1, $2, ${placeholders.join(', ')}, $${n + 3}, $${n + 3}, 1, $${n + 4}::jsonb) RETURNING ${RESOURCE_COLUMNS}`;
    this.updateSql =
      `UPDATE ${this.table} AS r SET ${names.map((name, i) => `${name} = ${placeholders[i]}`).join(', ')}, ` +
      `last_modified = $${n + 3}, data = $${n + 4}::jsonb, version = r.version + 1 ` +
      `WHERE r.tenant_id = $1 AND r.id = $2 RETURNING ${RESOURCE_COLUMNS}`;
  }

  /**
   * A new row; `conflict` is the 409 (RFC 7644 §3.3 uniqueness) when a unique column is taken. With
   * `extend`, the statement also does what it adds (the write's events: EventsRepository.appending).
   */
  async insert(
    tx: TenantTx,
    id: string,
    stored: ScimResource,
    conflict: () => ScimError,
    extend?: StatementExtension,
  ): Promise<ResourceRow> {
    return this.write(tx, { text: this.insertSql, values: this.values(tx, id, stored) }, conflict, extend);
  }

  /** The stored form and its columns replaced, version bumped; `conflict` and `extend` as for insert. */
  async update(
    tx: TenantTx,
    id: string,
    stored: ScimResource,
    conflict: () => ScimError,
    extend?: StatementExtension,
  ): Promise<ResourceRow> {
    return this.write(tx, { text: this.updateSql, values: this.values(tx, id, stored) }, conflict, extend);
  }

  private async write(
    tx: TenantTx,
    statement: Statement,
    conflict: () => ScimError,
    extend: StatementExtension | undefined,
  ): Promise<ResourceRow> {
    const { text, values } = extend ? extend(statement) : statement;
    const { rows } = await tx.sql<ResourceRow>(text, values).catch(rethrowUniqueness(conflict));
    return rows[0];
  }

  private values(tx: TenantTx, id: string, stored: ScimResource): unknown[] {
    return [
      tx.tenantId,
      id,
      ...this.derivedColumns.map(([, definition]) => definition.value(stored)),
      new Date(),
      JSON.stringify(stored),
    ];
  }

  /**
   * One resource of the tenant, or 404. Another tenant's id is indistinguishable from an unknown one.
   * With `lock`, the row stays locked for the rest of the transaction.
   */
  async find(tx: TenantTx, id: string, lock?: RowLock): Promise<ResourceRow> {
    const row = isUuid(id)
      ? (
          await tx.sql<ResourceRow>(
            `SELECT ${RESOURCE_COLUMNS} FROM ${this.table} r WHERE r.tenant_id = $1 AND r.id = $2` +
              (lock ? LOCK_CLAUSES[lock] : ''),
            [tx.tenantId, id],
          )
        ).rows[0]
      : undefined;
    if (!row) throw ScimError.notFound(`${this.resourceType} ${id} not found`);
    return row;
  }

  async delete(tx: TenantTx, id: string): Promise<void> {
    await tx.sql(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  /**
   * Bumps version (by `by`: a Bulk's run of member PATCHes, one per operation that changed a row) and
   * lastModified when membership alone changed (members are part of a Group).
   */
  async touch(tx: TenantTx, id: string, by = 1): Promise<ResourceRow> {
    const { rows } = await tx.sql<ResourceRow>(
      `UPDATE ${this.table} AS r SET version = r.version + $4::int, last_modified = $3
        WHERE r.tenant_id = $1 AND r.id = $2 RETURNING ${RESOURCE_COLUMNS}`,
      [tx.tenantId, id, new Date(), by],
    );
    return rows[0];
  }

  /**
   * Bumps version and lastModified only if a membership change of this transaction added or removed a
   * row (MEMBERS_CHANGED_SQL): sent in the same round trip as the changes. Undefined when none did.
   */
  async touchIfMembersChanged(tx: TenantTx, id: string): Promise<ResourceRow | undefined> {
    const { rows } = await tx.sql<ResourceRow>(
      `UPDATE ${this.table} AS r SET version = r.version + 1, last_modified = $3
        WHERE r.tenant_id = $1 AND r.id = $2 AND ${MEMBERS_CHANGED_SQL} RETURNING ${RESOURCE_COLUMNS}`,
      [tx.tenantId, id, new Date()],
    );
    return rows[0];
  }

  /**
   * One page of the tenant's resources, its total (index paging) and the related lists asked for, in
   * ONE statement (listStatement): a read is one round trip.
   */
  async list<Related extends object = object>(
    tx: TenantTx,
    query: ListQuery,
    registry: SchemaRegistry,
    related: readonly RelatedList[] = [],
  ): Promise<RowPage<Related>> {
    const statement = listStatement({
      table: this.table,
      resourceType: this.resourceType,
      columns: this.columns,
      tenantId: tx.tenantId,
      query,
      registry,
      related,
    });
    const { rows } = await tx.sql<ListedRow>(statement.text, statement.values);
    return readListRows<Related>(statement, query, rows);
  }
}

/** A unique violation as the 409 of RFC 7644 §3.3 (`uniqueness`), anything else unchanged. */
export function rethrowUniqueness(conflict: () => ScimError) {
  return (error: unknown): never => {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) throw conflict();
    throw error;
  };
}
