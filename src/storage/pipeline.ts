import type pg from 'pg';
import { sqlObservers, type QueryResult } from './sql.js';

/** The SQLSTATE of "current transaction is aborted": a statement that failed only because an earlier one did. */
const IN_FAILED_TRANSACTION = '25P02';

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * One transaction on one pooled connection in pg's pipeline mode (the pool's clients are created with
 * `pipeline: true`): every statement is sent the moment it is issued, without waiting for the answers
 * to the ones before it, and the statements issued in the same tick leave in one write. A transaction
 * whose statements do not depend on each other's answers (a read, an insert with its audit row) is
 * one round trip to PostgreSQL: BEGIN, the tenant scope, the statements and COMMIT travel together.
 *
 * Every statement's promise is tracked here (so that one nobody awaited never becomes an unhandled
 * rejection), and `end` waits for all of them before the connection goes back to the pool.
 */
export class PipelinedTransaction {
  private readonly pending: Promise<unknown>[] = [];
  private corked = false;
  private closed = false;

  constructor(private readonly client: pg.PoolClient) {}

  /** Whether COMMIT or ROLLBACK has been sent. */
  get ended(): boolean {
    return this.closed;
  }

  /** Sends a statement now; its answer comes when PostgreSQL has run everything sent before it. */
  issue<R>(text: string, values: readonly unknown[] = [], observed = true): Promise<QueryResult<R>> {
    if (this.closed) throw new Error('Statement issued after the transaction was ended');
    this.cork();
    const query = (
      values.length > 0 ? this.client.query(text, [...values]) : this.client.query(text)
    ) as Promise<pg.QueryResult>;
    const result = query.then((answer) => {
      const rows = answer.rows as R[];
      const affected = DML.has(answer.command) ? (answer.rowCount ?? 0) : reportedAffected(rows);
      if (observed)
        for (const observe of sqlObservers) observe({ text, values, rows: rows.length, affected });
      return { rows, affected };
    });
    // Handled here so that a statement nobody awaits (the work failed before it) never goes unhandled;
    // `end` reports the first failure in the order the statements were sent.
    result.catch(() => undefined);
    this.pending.push(result);
    return result;
  }

  /** Sends COMMIT behind everything issued so far (ROLLBACK if a statement failed: PostgreSQL decides). */
  commit(): void {
    if (this.closed) return;
    this.issue('COMMIT', [], false);
    this.closed = true;
  }

  rollback(): void {
    if (this.closed) return;
    this.issue('ROLLBACK', [], false);
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
   * destroyed otherwise, so no half-finished transaction ever reaches the next request.
   */
  release(failure: unknown): void {
    const status = (
      this.client as unknown as { getTransactionStatus?(): string | null }
    ).getTransactionStatus?.();
    const broken = failure !== undefined && !isServerError(failure);
    const idle = status === undefined || status === 'I';
    this.client.release(broken || !idle ? asError(failure ?? 'transaction left open') : undefined);
  }

  /** Holds the socket's writes until the end of this tick: the statements issued together leave together. */
  private cork(): void {
    if (this.corked) return;
    const stream = (
      this.client as unknown as {
        connection?: { stream?: NodeJS.WritableStream & Partial<{ cork(): void; uncork(): void }> };
      }
    ).connection?.stream;
    if (!stream?.cork || !stream.uncork) return;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork!();
    });
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
