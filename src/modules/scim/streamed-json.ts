import { Readable } from 'node:stream';

/** A multi-valued attribute whose values arrive in chunks (Group.members of a large group). */
export interface StreamedAttribute {
  name: string;
  chunks: AsyncIterable<unknown[]>;
}

/**
 * The JSON text of `resource` with `attribute` appended as an array written chunk by chunk, so the
 * response never holds the whole array as objects or as one string.
 */
export function streamedJson(resource: Record<string, unknown>, attribute: StreamedAttribute): Readable {
  return Readable.from(
    (async function* () {
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
    })(),
    { objectMode: false },
  );
}

/** `first` followed by the rest of an iteration already started. */
export async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
