import { Injectable } from '@nestjs/common';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Compilable, Kysely } from 'kysely';
import type { DB } from './schema.js';
import { runQuery, runSql, streamSql, type QueryResult } from './sql.js';
import { TENANT_SCOPE_SQL, tenantScopeParams } from './tenant-scope.js';

/**
 * One unit of database work: statements run on its connection, in its transaction when it has one.
 * Only repositories use it; services hand it on without looking inside.
 */
export class Tx {
  constructor(
    /** The unit of work; inside `transactional`, bound to the transaction's connection. */
    protected readonly em: EntityManager,
  ) {}

  /** The typed query builder, for building statements (run them with `query`). */
  get builder(): Kysely<DB> {
    return this.em.getKysely<DB>();
  }

  /** Runs a statement built with `builder`. */
  query<R>(query: Compilable<R>): Promise<QueryResult<R>> {
    return runQuery(this.em, query);
  }

  /** Runs a parameterized statement the builder cannot express (locks in CTEs, unnest, compiled filters). */
  sql<R = Record<string, unknown>>(text: string, values: readonly unknown[] = []): Promise<QueryResult<R>> {
    return runSql<R>(this.em, text, values);
  }
}

/**
 * A transaction of one tenant: its first statement scoped it to `tenantId` (row-level security reads
 * that setting), and repositories name the tenant in their keys from here, never from a caller.
 */
export class TenantTx extends Tx {
  constructor(
    em: EntityManager,
    readonly tenantId: string,
  ) {
    super(em);
  }
}

/** Work that belongs to no single tenant: tenant CRUD, finding an API key before its tenant is known. */
export class SystemTx extends Tx {}

/**
 * The one way services reach PostgreSQL. Tenant work goes through `transaction(tenantId, …)`; the
 * few statements that are not one tenant's go through the separately named `system(…)`.
 */
@Injectable()
export class Database {
  constructor(
    private readonly em: EntityManager,
    private readonly orm: MikroORM,
  ) {}

  /** One round trip to PostgreSQL (readiness). */
  async ping(): Promise<void> {
    await this.em.getConnection().execute('select 1');
  }

  /** How many migrations are not applied yet (readiness). */
  async pendingMigrations(): Promise<number> {
    return (await this.orm.migrator.getPending()).length;
  }

  /**
   * Runs `work` in one transaction of `tenantId`, reads included. The first statement is
   * TENANT_SCOPE_SQL: it is transaction-local, so nothing carries over to the next user of the
   * pooled connection (also through PgBouncer in transaction mode).
   */
  transaction<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    return this.em.fork().transactional(async (em) => {
      await runSql(em, TENANT_SCOPE_SQL, tenantScopeParams(tenantId));
      return work(new TenantTx(em, tenantId));
    });
  }

  /**
   * A stream of one tenant's rows, outside any transaction (it opens its own): see TenantTx.stream.
   * The caller must end it (read it to the end, or `return()` it once started) on every path.
   */
  stream<R>(tenantId: string, text: string, values: readonly unknown[]): AsyncGenerator<R[]> {
    return streamSql<R>(this.em, tenantId, text, values);
  }

  /** Runs `work` in one transaction that is not scoped to a tenant (tenant CRUD, API key lookup). */
  system<T>(work: (tx: SystemTx) => Promise<T>): Promise<T> {
    return this.em.fork().transactional((em) => work(new SystemTx(em)));
  }

  /**
   * One statement outside a transaction, not scoped to a tenant: the API key lookup that runs before
   * every SCIM request, where BEGIN and COMMIT would triple the round trips.
   */
  systemStatement<T>(work: (tx: SystemTx) => Promise<T>): Promise<T> {
    return work(new SystemTx(this.em.fork()));
  }
}
