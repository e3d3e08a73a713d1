import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery, type Compilable } from 'kysely';
import type pg from 'pg';
import { timedStatement } from '../metrics/statement-timing.js';
import { TENANT_SCOPE_SQL, tenantScopeParams } from './tenant-scope.js';

/**
 * Builds one parameterized statement: values always travel as $n parameters, never inside the SQL
 * text. Fragments compiled elsewhere (filters) are appended with their placeholders renumbered.
 */
export class SqlBuilder {
  readonly values: unknown[] = [];

  /** A placeholder for `value`. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  get offset(): number {
    return this.values.length;
  }

  /** Takes the values of a fragment compiled with `paramOffset: this.offset`. */
  adopt(fragment: { text: string; values: unknown[] }): string {
    this.values.push(...fragment.values);
    return fragment.text;
  }
}

export interface QueryResult<R> {
  rows: R[];
  affected: number;
}

export interface SqlEvent {
  text: string;
  values: readonly unknown[];
  rows: number;
  affected: number;
}

/**
 * Listeners told of every statement and how many rows it returned or touched. Tests use it to prove
 * that a membership change touches only the rows it names; nothing subscribes in production.
 */
export const sqlObservers = new Set<(event: SqlEvent) => void>();

/** Runs SQL on the request's unit of work (inside its transaction when there is one). */
export async function runSql<R = Record<string, unknown>>(
  em: EntityManager,
  text: string,
  values: readonly unknown[] = [],
): Promise<QueryResult<R>> {
  const result = await timedStatement(
    () => em.getKysely().executeQuery<R>(CompiledQuery.raw(text, [...values])),
    text,
  );
  const outcome = { rows: result.rows, affected: Number(result.numAffectedRows ?? result.rows.length) };
  for (const observe of sqlObservers)
    observe({ text, values, rows: result.rows.length, affected: outcome.affected });
  return outcome;
}

/**
 * Runs a statement built with the typed query builder the same way: compiled to text and
 * parameters, observed like every other statement.
 */
export async function runQuery<R>(em: EntityManager, query: Compilable<R>): Promise<QueryResult<R>> {
  const compiled = query.compile();
  return runSql<R>(em, compiled.sql, compiled.parameters);
}

/**
 * Streams the rows of a query in chunks through a server-side cursor, so a result of any size is never
 * held in memory at once (a 100k-member group). It runs on a pooled connection of its own, in a
 * read-only transaction of `tenantId` (one snapshot for the whole stream), outside any transaction
 * of `em`.
 *
 * The connection is held until the iteration ends: read to the end, or call `return()` on the
 * generator once it has started (a generator that never started has no connection yet). Wrappers
 * that drive it by hand must pass their own end on.
 *
 * The cursor is a SQL cursor (DECLARE … FETCH) rather than pg-cursor, which Kysely's `stream()` uses:
 * pg-cursor's close() waits for a ReadyForQuery that a dead connection never sends
 * (brianc/node-postgres#2642, #2588), so a database restart or a killed backend mid-stream would hang
 * the response and keep its connection checked out for good. Plain queries fail at once instead, and
 * a connection that failed is destroyed, not returned to the pool.
 */
export async function* streamSql<R>(
  em: EntityManager,
  tenantId: string,
  text: string,
  values: readonly unknown[],
  chunkSize = 2000,
): AsyncGenerator<R[]> {
  const pool = (await em.getConnection().getNativeClient()) as pg.Pool;
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    // Like every tenant transaction (Database.transaction): scoped to the tenant before anything else.
    const scope = tenantScopeParams(tenantId);
    const scoped = await client.query(TENANT_SCOPE_SQL, scope);
    for (const observe of sqlObservers)
      observe({ text: TENANT_SCOPE_SQL, values: scope, rows: scoped.rows.length, affected: 0 });
    await client.query(`DECLARE streamed NO SCROLL CURSOR FOR ${text}`, [...values]);
    const fetch = `FETCH ${Math.max(1, Math.trunc(chunkSize))} FROM streamed`;
    for (;;) {
      const { rows } = await client.query<R & pg.QueryResultRow>(fetch);
      if (rows.length === 0) break;
      for (const observe of sqlObservers) observe({ text, values, rows: rows.length, affected: rows.length });
      yield rows;
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    if (!failure) {
      // Ends the transaction and with it the cursor, whether or not it was read to the end.
      await client.query('ROLLBACK').catch((error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
      });
    }
    // With an error, the pool destroys the connection instead of handing it out again.
    client.release(failure);
  }
}
