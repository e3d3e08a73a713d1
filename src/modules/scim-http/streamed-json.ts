import { Readable } from 'node:stream';

/** A multi-valued attribute whose values arrive in chunks (Group.members of a large group). */
export interface StreamedAttribute {
  name: string;
  chunks: AsyncIterable<unknown[]>;
  /**
   * Releases what produces the chunks (a cursor and its pooled connection) whether or not they were
   * read to the end. Idempotent; whoever receives the attribute must make sure it runs on every path.
   */
  close(): Promise<void>;
}

/**
 * The JSON text of `resource` with `attribute` appended as an array written chunk by chunk, so the
 * response never holds the whole array as objects or as one string. The attribute is closed when the
 * text ends, fails or is abandoned part way.
 */
export function streamedJson(resource: Record<string, unknown>, attribute: StreamedAttribute): Readable {
  return Readable.from(
    (async function* () {
      try {
        const head = JSON.stringify(resource);
        const separator = head === '{}' ? '' : ',';
        yield `${head.slice(0, -1)}${separator}${JSON.stringify(attribute.name)}:[`;
        let first = true;
        for await (const values of attribute.chunks) {
          let text = '';
          for (const value of values) {
            text += (first ? '' : ',') + JSON.stringify(value);
            first = false;
          }
          if (text) yield text;
        }
        yield ']}';
      } finally {
        await attribute.close();
      }
    })(),
    { objectMode: false },
  );
}

/**
 * `first` followed by the rest of an iteration already started. Ending this iteration early ends
 * `rest` too: a hand-driven iterator is not returned by `for await`, so this does it.
 */
export async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  let finished = false;
  try {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
    finished = true;
  } finally {
    if (!finished) await rest.return?.(undefined);
  }
}

/** `release` made idempotent: the first call runs it, every later call gets the same promise. */
export function once(release: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= release().then(() => undefined));
}
