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

/** How many named statements one connection keeps prepared (least recently used closed first). */
const PREPARED_PER_CONNECTION = 64;
/** How many distinct statement texts get a name at all (filters are the client's: unbounded). */
const NAMED_TEXTS = 2_000;

const names = new Map<string, string>();

/** The statement name of `text`: one per distinct text, in this process; undefined once the table is full. */
function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < NAMED_TEXTS) {
    name = `scim_${names.size.toString(36)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * The statements prepared on one connection, most recently used last. A statement's plan is kept by
 * PostgreSQL for the connection (after a few runs, a generic plan: no parsing or planning per request).
 */
const preparedOn = new WeakMap<object, Map<string, true>>();

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
  close(message: { type: 'S'; name: string }): void;
  sendCopyFail(message: string): void;
}

/**
 * Statements sent to PostgreSQL with ONE Sync: for each, Parse (once per connection: prepared under a
 * name, see below), Bind, Describe and Execute, then the Sync. Outside BEGIN … COMMIT, PostgreSQL runs
 * everything up to a Sync as one transaction (the extended protocol's implicit transaction block), so the
 * tenant scope of the first statement (transaction-local settings) holds for the others, locks are held
 * to the end, and a failure rolls everything back, with no BEGIN or COMMIT message at all. Inside an
 * explicit transaction (a batch that starts with BEGIN, or any later batch of it) the Sync only marks the
 * end of the batch.
 *
 * A pg "submittable" (the interface pg-cursor and pg-query-stream use): pg's client routes the backend's
 * answers to it until the ReadyForQuery that follows the Sync. After an error PostgreSQL skips the
 * rest up to the Sync; those statements are rejected as 25P02 (failed because of an earlier one).
 */
export class ImplicitTransaction {
  private index = 0;
  /** Names this batch prepared (Parse sent), by statement position: forgotten again if it fails. */
  private readonly parsedHere = new Map<number, string>();
  private prepared?: Map<string, true>;
  private current?: Result;
  private finished = false;
  private readonly done: Promise<void>;
  private markDone!: () => void;

  constructor(
    private readonly statements: readonly BatchedStatement[],
    private readonly types?: unknown,
    /** Whether statements may be prepared (named) on this connection: off behind an old pooler. */
    private readonly named = true,
  ) {
    this.done = new Promise((resolve) => (this.markDone = resolve));
  }

  /** Thenable, so that pg clients which arm a deadline on every query's promise arm it here too. */
  then<T>(onDone?: () => T | PromiseLike<T>, onError?: (error: unknown) => T | PromiseLike<T>) {
    return this.done.then(onDone, onError);
  }

  submit(connection: ProtocolWriter): Error | null {
    let prepared = preparedOn.get(connection);
    if (!prepared) preparedOn.set(connection, (prepared = new Map()));
    this.prepared = prepared;
    connection.stream.cork?.();
    try {
      for (const [position, statement] of this.statements.entries()) {
        const name = (this.named && nameOf(statement.text)) || '';
        if (name === '') {
          connection.parse({ text: statement.text, name });
        } else if (prepared.has(name)) {
          prepared.delete(name);
          prepared.set(name, true);
        } else {
          // A name whose Parse may have failed on this connection before is closed first (closing a
          // statement that does not exist is no error); the least recently used one makes room.
          connection.close({ type: 'S', name });
          connection.parse({ text: statement.text, name });
          prepared.set(name, true);
          this.parsedHere.set(position, name);
          if (prepared.size > PREPARED_PER_CONNECTION) {
            const oldest = prepared.keys().next().value as string;
            prepared.delete(oldest);
            connection.close({ type: 'S', name: oldest });
          }
        }
        connection.bind({
          portal: '',
          statement: name,
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
    // This statement's Parse may have failed, and later ones were never parsed: not prepared.
    for (const [position, name] of this.parsedHere) if (position >= this.index) this.prepared?.delete(name);
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
