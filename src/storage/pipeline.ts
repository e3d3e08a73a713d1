import type pg from 'pg';
import { ImplicitTransaction, type BatchedStatement } from './implicit-transaction.js';
import { startStatement } from '../metrics/statement-timing.js';
import { sqlObservers, type QueryResult } from './sql.js';

/** The SQLSTATE of "current transaction is aborted": a statement that failed only because an earlier one did. */
const IN_FAILED_TRANSACTION = '25P02';

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

export const BEGIN = 'BEGIN';
const COMMIT = 'COMMIT';
const ROLLBACK = 'ROLLBACK';

/** What BEGIN and COMMIT answer when an implicit transaction stands in for them. */
const EMPTY_RESULT = { rows: [], rowCount: null, command: '', oid: 0, fields: [] } as pg.QueryResult;

/** A statement issued in this tick, sent when the tick ends. */
interface Issued extends BatchedStatement {
  observed: boolean;
}

/**
 * One transaction on one pooled connection in pg's pipeline mode (the pool's clients are created with
 * `pipeline: true`): statements are sent without waiting for the answers to the ones before them.
 * The statements issued in one tick leave together when it ends:
 *
 * - a whole transaction issued at once (BEGIN, the tenant scope, the statements, COMMIT: a read, an
 *   insert with its audit row) goes as ONE implicit transaction (ImplicitTransaction): the statements
 *   and a single Sync, no BEGIN or COMMIT message, one round trip;
 * - otherwise (the transaction waits for an answer before it goes on: a write that reads its row
 *   first) each tick's statements go the same way, BEGIN and COMMIT included as statements: the
 *   transaction block outlives each batch's Sync. A failure makes PostgreSQL skip the rest of its
 *   batch (COMMIT too); `release` then rolls the transaction back.
 *
 * Every statement's promise is tracked here (so that one nobody awaited never becomes an unhandled
 * rejection), and `settle` waits for all of them before the connection goes back to the pool.
 */
export class PipelinedTransaction {
  private readonly pending: Promise<unknown>[] = [];
  private queue: Issued[] = [];
  private started = false;
  private closed = false;

  constructor(
    private readonly client: pg.PoolClient,
    /** The connection is shared with other transactions (a Bulk request's operations): see ConnectionLane. */
    private readonly lane?: ConnectionLane,
  ) {}

  /** Whether COMMIT or ROLLBACK has been issued. */
  get ended(): boolean {
    return this.closed;
  }

  /** Issues a statement; it is sent at the end of this tick, behind everything issued before it. */
  issue<R>(text: string, values: readonly unknown[] = [], observed = true): Promise<QueryResult<R>> {
    if (this.closed) throw new Error('Statement issued after the transaction was ended');
    const answer = new Promise<pg.QueryResult>((resolve, reject) => {
      if (this.queue.length === 0) process.nextTick(() => this.flush());
      this.queue.push({ text, values, observed, resolve, reject });
    });
    const timed = startStatement(text);
    const result = answer.then(
      (answered) => {
        timed?.();
        const rows = answered.rows as R[];
        const affected = DML.has(answered.command) ? (answered.rowCount ?? 0) : reportedAffected(rows);
        if (observed)
          for (const observe of sqlObservers) observe({ text, values, rows: rows.length, affected });
        return { rows, affected };
      },
      timed &&
        ((error: unknown) => {
          timed(error);
          throw error;
        }),
    );
    // Handled here so that a statement nobody awaits (the work failed before it) never goes unhandled;
    // `settle` reports the first failure in the order the statements were sent.
    result.catch(() => undefined);
    this.pending.push(result);
    return result;
  }

  /** Sends what this tick issued (on a shared connection, when the lane lets it: see ConnectionLane). */
  private flush(): void {
    if (this.lane && !this.lane.mayGo(this)) {
      this.lane.wait(this, () => this.flush());
      return;
    }
    const batch = this.queue;
    this.queue = [];
    // The whole transaction at once: BEGIN and COMMIT are left out, the one Sync delimits it.
    const whole =
      !this.started && batch.length > 2 && batch[0].text === BEGIN && batch[batch.length - 1].text === COMMIT;
    this.started = true;
    const types = (this.client as unknown as { _types?: unknown })._types;
    const named = (this.client as unknown as { preparedStatements?: boolean }).preparedStatements !== false;
    const sent = new ImplicitTransaction(whole ? batch.slice(1, -1) : batch, types, named);
    void this.client.query(sent as unknown as pg.QueryConfig);
    if (whole) {
      const ended = () => {
        batch[0].resolve(EMPTY_RESULT);
        batch[batch.length - 1].resolve(EMPTY_RESULT);
      };
      void sent.then(ended, ended);
    }
    if (this.lane && !whole) {
      const last = batch[batch.length - 1].text;
      this.lane.hold(this);
      if (last === COMMIT || last === ROLLBACK) {
        const lane = this.lane;
        const ended = () => lane.ended(this);
        void sent.then(ended, ended);
      }
    }
  }

  /** Sends COMMIT behind everything issued so far (ROLLBACK if a statement failed: PostgreSQL decides). */
  commit(): void {
    if (this.closed) return;
    this.issue(COMMIT, [], false);
    this.closed = true;
  }

  rollback(): void {
    if (this.closed) return;
    this.issue(ROLLBACK, [], false);
    this.closed = true;
  }

  /**
   * Waits for every statement sent. The first statement that failed (in the order they were sent) is
   * the transaction's failure: it rolled the transaction back, and the statements after it only
   * failed because of it. Undefined when all succeeded.
   */
  async settle(): Promise<unknown> {
    const outcomes = await Promise.allSettled(this.pending);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    return failed?.reason;
  }

  /**
   * Gives the connection back: to the pool when it is idle (no transaction open) and healthy,
   * destroyed otherwise, so no half-finished transaction ever reaches the next request. A statement
   * that failed inside BEGIN … COMMIT made PostgreSQL skip the rest of its batch, COMMIT included:
   * that transaction is rolled back here first.
   */
  async release(failure: unknown): Promise<void> {
    const client = this.client as unknown as pg.PoolClient & { getTransactionStatus?(): string | null };
    let broken = failure !== undefined && !isServerError(failure);
    if (!broken && (client.getTransactionStatus?.() === 'E' || client.getTransactionStatus?.() === 'T')) {
      await client.query(ROLLBACK).catch(() => {
        broken = true;
      });
    }
    const status = client.getTransactionStatus?.();
    const idle = status === undefined || status === null || status === 'I';
    client.release(broken || !idle ? asError(failure ?? 'transaction left open') : undefined);
  }
}

/** A statement whose answer nobody needs. */
const IGNORED = { resolve: () => undefined, reject: () => undefined };

/**
 * One pooled connection shared by many transactions of one tenant (the operations of a Bulk request),
 * each still its own transaction, sent in the order they were started:
 *
 * - a whole transaction issued at once (an insert with its audit row) is one implicit transaction with
 *   its own Sync: it goes at once, behind the others, without waiting for their answers, and a failure
 *   rolls back only it (PostgreSQL clears the error at its Sync). So a run of creates costs about one
 *   round trip in all, however many there are.
 * - a transaction that reads before it writes (BEGIN … COMMIT over several round trips) holds the
 *   connection's transaction block: transactions started after it are sent once its last batch (COMMIT
 *   or ROLLBACK) has been answered. If that batch failed before its COMMIT, PostgreSQL skipped the rest
 *   of it and the block is still open (aborted): a ROLLBACK ends it first, so that the next transaction
 *   never runs inside it.
 */
export class ConnectionLane {
  private owner: PipelinedTransaction | undefined;
  private readonly waiting: { tx: PipelinedTransaction; send: () => void }[] = [];
  /** The waiting transaction being let go now (its turn came). */
  private turn: PipelinedTransaction | undefined;

  constructor(readonly client: pg.PoolClient) {}

  /** May `tx` send its batch now: it holds the block, or nobody does and nobody waits before it. */
  mayGo(tx: PipelinedTransaction): boolean {
    if (this.owner !== undefined) return this.owner === tx;
    return this.waiting.length === 0 || this.turn === tx;
  }

  wait(tx: PipelinedTransaction, send: () => void): void {
    this.waiting.push({ tx, send });
  }

  /** `tx` sent a batch of an explicit transaction: the others wait for its end. */
  hold(tx: PipelinedTransaction): void {
    this.owner = tx;
  }

  /** The last batch of `tx`'s explicit transaction was answered: a ROLLBACK if needed, then whoever waits. */
  ended(tx: PipelinedTransaction): void {
    if (this.owner !== tx) return;
    const status = (
      this.client as unknown as { getTransactionStatus?(): string | null }
    ).getTransactionStatus?.();
    if (status === 'E' || status === 'T') {
      const rollback = new ImplicitTransaction(
        [{ text: ROLLBACK, values: [], ...IGNORED }],
        undefined,
        false,
      );
      void this.client.query(rollback as unknown as pg.QueryConfig);
    }
    this.owner = undefined;
    // In order, until one of them opens an explicit transaction of its own (which ends in `ended`).
    while (this.owner === undefined && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.turn = next.tx;
      try {
        next.send();
      } finally {
        this.turn = undefined;
      }
    }
  }
}

/**
 * The rows a SELECT returned, or, for a data-modifying CTE that reports its own count in one row with
 * an `affected` column (the flagged membership changes), that count.
 */
function reportedAffected(rows: unknown[]): number {
  const reported = rows.length === 1 ? (rows[0] as { affected?: unknown }).affected : undefined;
  return typeof reported === 'number' ? reported : rows.length;
}

/** A statement that failed only because an earlier statement of its transaction had failed. */
export function failedBecauseOfEarlier(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === IN_FAILED_TRANSACTION;
}

/** An ErrorResponse of PostgreSQL (the connection itself is fine), as opposed to a broken connection. */
function isServerError(error: unknown): boolean {
  return typeof (error as { severity?: unknown } | undefined)?.severity === 'string';
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Waits for all of `promises` and returns their values; if any failed, throws the failure of the
 * first in argument order (the statement sent first), not the first to arrive.
 */
export async function allInOrder<T extends readonly unknown[]>(
  ...promises: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const outcomes = await Promise.allSettled(promises);
  const values: unknown[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') throw outcome.reason;
    values.push(outcome.value);
  }
  return values as unknown as T;
}
