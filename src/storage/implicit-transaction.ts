import type pg from 'pg';
import Result from 'pg/lib/result.js';
import pgUtils from 'pg/lib/utils.js';

/** One statement of an ImplicitTransaction and what becomes of it. */
export interface BatchedStatement {
  text: string;
  values: readonly unknown[];
  resolve(result: pg.QueryResult): void;
  reject(error: unknown): void;
}

/** The connection methods of pg's protocol writer that a submittable uses (as pg's own Query does). */
interface ProtocolWriter {
  stream: { cork?(): void; uncork?(): void };
  parse(message: { text: string; name: string; types?: unknown[] }): void;
  bind(message: {
    portal: string;
    statement: string;
    values: readonly unknown[];
    valueMapper: (value: unknown) => unknown;
  }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

/**
 * Statements sent to PostgreSQL as one implicit transaction: for each, Parse, Bind, Describe and
 * Execute (unnamed statement and portal, as pg's parameterized queries), then ONE Sync. Until that Sync,
 * PostgreSQL runs them in one transaction (the extended protocol's implicit transaction block), so the
 * tenant scope of the first statement (transaction-local settings) holds for the others, locks are
 * held to the end, and a failure rolls everything back, with no BEGIN or COMMIT message at all.
 *
 * A pg "submittable" (the interface pg-cursor and pg-query-stream use): pg's client routes the backend's
 * answers to it until the ReadyForQuery that follows the Sync. After an error PostgreSQL skips the
 * rest up to the Sync; those statements are rejected as 25P02 (failed because of an earlier one).
 */
export class ImplicitTransaction {
  private index = 0;
  private current?: Result;
  private finished = false;
  private readonly done: Promise<void>;
  private markDone!: () => void;

  constructor(
    private readonly statements: readonly BatchedStatement[],
    private readonly types?: unknown,
  ) {
    this.done = new Promise((resolve) => (this.markDone = resolve));
  }

  /** Thenable, so that pg clients which arm a deadline on every query's promise arm it here too. */
  then<T>(onDone?: () => T | PromiseLike<T>, onError?: (error: unknown) => T | PromiseLike<T>) {
    return this.done.then(onDone, onError);
  }

  submit(connection: ProtocolWriter): Error | null {
    connection.stream.cork?.();
    try {
      for (const statement of this.statements) {
        connection.parse({ text: statement.text, name: '' });
        connection.bind({
          portal: '',
          statement: '',
          values: statement.values,
          valueMapper: pgUtils.prepareValue,
        });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '' });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: { fields: unknown[] }): void {
    this.result().addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown[] }): void {
    const result = this.result();
    result.addRow(result.parseRow(message.fields));
  }

  handleCommandComplete(message: unknown): void {
    this.result().addCommandComplete(message);
    this.next();
  }

  handleEmptyQuery(): void {
    this.next();
  }

  handlePortalSuspended(): void {
    // Every portal is executed without a row limit: never suspended.
  }

  handleCopyInResponse(connection: ProtocolWriter): void {
    connection.sendCopyFail('COPY is not supported in a pipelined transaction');
  }

  handleCopyData(): void {}

  /** The backend's error for the current statement (pg's client stops routing to this after it). */
  handleError(error: unknown): void {
    if (this.finished) return;
    this.statements[this.index]?.reject(error);
    this.index++;
    this.skipRest(error);
  }

  handleReadyForQuery(): void {
    this.skipRest(new Error('The transaction ended before this statement ran'));
  }

  private result(): Result {
    this.current ??= new Result(undefined, this.types);
    return this.current;
  }

  private next(): void {
    const result = this.result();
    this.current = undefined;
    this.statements[this.index++]?.resolve(result as unknown as pg.QueryResult);
  }

  private skipRest(cause: unknown): void {
    if (this.finished) return;
    this.finished = true;
    for (; this.index < this.statements.length; this.index++) {
      const skipped = Object.assign(
        new Error('Not run: an earlier statement of its transaction failed', { cause }),
        { code: '25P02', severity: 'ERROR' },
      );
      this.statements[this.index].reject(skipped);
    }
    this.markDone();
  }
}
