import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Compilable, Kysely } from 'kysely';
import type { DB } from './schema.js';
import type pg from 'pg';
import { BEGIN, ConnectionLane, failedBecauseOfEarlier, PipelinedTransaction } from './pipeline.js';
import { runSql, streamSql, type QueryResult } from './sql.js';
import { PG_DEADLOCK_DETECTED, pgErrorCode } from './pg-errors.js';
import {
  DEADLOCK_ATTEMPTS,
  tenantScopeParams,
  tenantScopeSql,
  type TransactionOptions,
} from './tenant-scope.js';

export type { TransactionOptions } from './tenant-scope.js';

type Executor = <R>(text: string, values: readonly unknown[]) => Promise<QueryResult<R>>;

/**
 * One unit of database work: statements run on its connection, in its transaction when it has one.
 * Only repositories use it; services hand it on without looking inside.
 */
export class Tx {
  constructor(
    private readonly execute: Executor,
    private readonly kysely: Kysely<DB>,
  ) {}

  /** The typed query builder, for building statements (run them with `query`). */
  get builder(): Kysely<DB> {
    return this.kysely;
  }

  /** Runs a statement built with `builder`. */
  query<R>(query: Compilable<R>): Promise<QueryResult<R>> {
    const compiled = query.compile();
    return this.execute<R>(compiled.sql, compiled.parameters);
  }

  /** Runs a parameterized statement the builder cannot express (locks in CTEs, unnest, compiled filters). */
  sql<R = Record<string, unknown>>(text: string, values: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.execute<R>(text, values);
  }
}

/**
 * A transaction of one tenant: its first statement scoped it to `tenantId` (row-level security reads
 * that setting), and repositories name the tenant in their keys from here, never from a caller.
 *
 * Statements are pipelined (PipelinedTransaction): each is sent when it is issued, so statements
 * issued before awaiting any of them share one round trip. `commit()` sends COMMIT behind them
 * without waiting, which makes a read (or a write whose statements do not depend on each other) one
 * round trip in all: issue the statements, `commit()`, then await their answers.
 */
export class TenantTx extends Tx {
  constructor(
    private readonly pipeline: PipelinedTransaction,
    kysely: Kysely<DB>,
    readonly tenantId: string,
  ) {
    super((text, values) => pipeline.issue(text, values), kysely);
  }

  /**
   * Sends COMMIT now, behind the statements issued so far; no statement may be issued after it. The
   * transaction still reports (throws) the failure of any of them when it ends; a failed statement
   * turns this COMMIT into a rollback.
   */
  commit(): void {
    this.pipeline.commit();
  }
}

/**
 * The one way services reach PostgreSQL. Tenant work goes through `transaction(tenantId, …)`; the
 * few statements that are not one tenant's go through the separately named `system(…)`.
 */
/** Work that belongs to no single tenant: tenant CRUD, finding an API key before its tenant is known. */
export class SystemTx extends Tx {}

function systemTx(em: EntityManager, kysely: Kysely<DB>): SystemTx {
  return new SystemTx((text, values) => runSql(em, text, values), kysely);
}

/** The connection the transactions of one tenant share inside `Database.shared`. */
interface SharedConnection {
  tenantId: string;
  lane: ConnectionLane;
  /** Whether a transaction committed without waiting for its WAL flush. */
  committed: boolean;
  /** A failure that broke the connection (not a statement's error): it is destroyed at the end. */
  broken?: unknown;
}

@Injectable()
export class Database {
  constructor(
    private readonly em: EntityManager,
    private readonly orm: MikroORM,
  ) {}

  private readonly logger = new Logger(Database.name);
  private kysely?: Kysely<DB>;
  private nativePool?: pg.Pool;
  private readonly sharing = new AsyncLocalStorage<SharedConnection>();

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
   * TENANT_SCOPE_SQL (with the settings `options` ask for: tenantScopeSql): it is transaction-local, so
   * nothing carries over to the next user of the pooled connection (also through PgBouncer in
   * transaction mode).
   */
  async transaction<T>(
    tenantId: string,
    work: (tx: TenantTx) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(tenantId, work, options);
      } catch (error) {
        const again =
          options.retryDeadlocks === true &&
          attempt < DEADLOCK_ATTEMPTS &&
          pgErrorCode(error) === PG_DEADLOCK_DETECTED;
        if (!again) throw error;
        this.logger.warn({ attempt }, 'transaction ended by a deadlock; running it again');
      }
    }
  }

  private async transactionOnce<T>(
    tenantId: string,
    work: (tx: TenantTx) => Promise<T>,
    options: TransactionOptions,
  ): Promise<T> {
    const shared = this.sharing.getStore();
    if (shared?.tenantId === tenantId) return this.sharedTransaction(shared, work, options);
    const client = await (await this.pool()).connect();
    const pipeline = new PipelinedTransaction(client);
    let failure: unknown;
    let result: T | undefined;
    let workFailed = false;
    try {
      pipeline.issue(BEGIN, [], false);
      pipeline.issue(tenantScopeSql(options, false), tenantScopeParams(tenantId));
      result = await work(new TenantTx(pipeline, this.builder, tenantId));
    } catch (error) {
      workFailed = true;
      failure = error;
    }
    if (!pipeline.ended) {
      if (workFailed) pipeline.rollback();
      else pipeline.commit();
    }
    const statementFailure = await pipeline.settle();
    await pipeline.release(statementFailure);
    // A statement that failed only because an earlier one had (or the work's own rethrow of it) is
    // reported as that earlier failure; a work error of its own (a ScimError) stands.
    if (workFailed) {
      if (statementFailure !== undefined && (failedBecauseOfEarlier(failure) || failure === undefined))
        throw statementFailure;
      throw failure;
    }
    if (statementFailure !== undefined) throw statementFailure;
    return result as T;
  }

  /**
   * Runs `work` with one pooled connection of `tenantId` that every `transaction(tenantId, …)` started
   * inside it shares (a Bulk request's operations): each is still its own transaction, and the ones
   * started without waiting for each other are pipelined on it in the order they were started
   * (ConnectionLane), so that a run of single-round-trip transactions costs about one round trip in
   * all.
   *
   * They commit asynchronously (`synchronous_commit` off, transaction-local): PostgreSQL does not wait
   * for each commit's WAL flush. Before `shared` returns, `durable` runs in one more transaction that
   * writes WAL (a row lock) and commits synchronously: its flush covers every commit before it, so
   * what `work` committed is on disk when the caller answers, as if each had waited, for one flush.
   * The connection goes back to the pool when all of it is done.
   */
  async shared<T>(
    tenantId: string,
    work: () => Promise<T>,
    durable: (tx: TenantTx) => Promise<unknown>,
  ): Promise<T> {
    const client = await (await this.pool()).connect();
    const connection: SharedConnection = { tenantId, lane: new ConnectionLane(client), committed: false };
    try {
      const result = await this.sharing.run(connection, work);
      if (connection.committed && connection.broken === undefined) {
        await this.sharedTransaction(
          connection,
          async (tx) => {
            const written = durable(tx);
            tx.commit();
            await written;
          },
          {},
          true,
        );
      }
      return result;
    } finally {
      // Every transaction was awaited by `work`; an idle, healthy connection goes back to the pool.
      await new PipelinedTransaction(client).release(connection.broken);
    }
  }

  private async sharedTransaction<T>(
    shared: SharedConnection,
    work: (tx: TenantTx) => Promise<T>,
    options: TransactionOptions,
    synchronous = false,
  ): Promise<T> {
    if (shared.broken !== undefined) throw shared.broken;
    const pipeline = new PipelinedTransaction(shared.lane.client, shared.lane);
    let failure: unknown;
    let result: T | undefined;
    let workFailed = false;
    try {
      pipeline.issue(BEGIN, [], false);
      pipeline.issue(tenantScopeSql(options, !synchronous), tenantScopeParams(shared.tenantId));
      result = await work(new TenantTx(pipeline, this.builder, shared.tenantId));
    } catch (error) {
      workFailed = true;
      failure = error;
    }
    if (!pipeline.ended) {
      if (workFailed) pipeline.rollback();
      else pipeline.commit();
    }
    const statementFailure = await pipeline.settle();
    if (statementFailure !== undefined && !isServerError(statementFailure))
      shared.broken ??= statementFailure;
    if (!workFailed && statementFailure === undefined) shared.committed = true;
    if (workFailed) {
      if (statementFailure !== undefined && (failedBecauseOfEarlier(failure) || failure === undefined))
        throw statementFailure;
      throw failure;
    }
    if (statementFailure !== undefined) throw statementFailure;
    return result as T;
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
    return this.em.fork().transactional((em) => work(systemTx(em, this.builder)));
  }

  /**
   * One statement outside a transaction, not scoped to a tenant: the API key lookup that runs before
   * every SCIM request, where BEGIN and COMMIT would triple the round trips.
   */
  systemStatement<T>(work: (tx: SystemTx) => Promise<T>): Promise<T> {
    return work(systemTx(this.em.fork(), this.builder));
  }

  /** The query builder, for compiling statements only (they run on the transaction's connection). */
  private get builder(): Kysely<DB> {
    this.kysely ??= this.em.getKysely<DB>();
    return this.kysely;
  }

  private async pool(): Promise<pg.Pool> {
    this.nativePool ??= (await this.em.getConnection().getNativeClient()) as pg.Pool;
    return this.nativePool;
  }
}

/** An ErrorResponse of PostgreSQL (the connection itself is fine), as opposed to a broken connection. */
function isServerError(error: unknown): boolean {
  return typeof (error as { severity?: unknown } | undefined)?.severity === 'string';
}
