import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';

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
  const result = await em.getKysely().executeQuery<R>(CompiledQuery.raw(text, [...values]));
  const outcome = { rows: result.rows, affected: Number(result.numAffectedRows ?? result.rows.length) };
  for (const observe of sqlObservers) observe({ text, rows: result.rows.length, affected: outcome.affected });
  return outcome;
}

/** PostgreSQL error codes we turn into SCIM answers. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function pgErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Streams the rows of a query in chunks through a server-side cursor, so a result of any size is never
 * held in memory at once (a 100k-member group). The pooled connection is held until the iteration
 * ends: read to the end, or call `return()` on the generator once it has started (a generator that
 * never started has no cursor yet). Wrappers that drive it by hand must pass their own end on.
 */
export async function* streamSql<R>(
  em: EntityManager,
  text: string,
  values: readonly unknown[],
  chunkSize = 2000,
): AsyncGenerator<R[]> {
  const chunks = em
    .getKysely()
    .getExecutor()
    .stream<R>(CompiledQuery.raw(text, [...values]), chunkSize);
  for await (const chunk of chunks) {
    for (const observe of sqlObservers)
      observe({ text, rows: chunk.rows.length, affected: chunk.rows.length });
    yield chunk.rows;
  }
}
