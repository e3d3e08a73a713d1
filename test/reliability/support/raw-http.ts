import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A single keep-alive connection written to by hand: a request can be left half sent (in flight for
 * as long as the test wants) and a second one pipelined behind it, which fetch cannot do.
 */
export class RawConnection {
  private readonly chunks: Buffer[] = [];
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.closed = new Promise((done) => {
      socket.once('close', () => done());
      socket.once('error', () => done());
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((done, fail) => {
      const socket = connect({ host: '127.0.0.1', port }, () => done(new RawConnection(socket)));
      socket.once('error', fail);
    });
  }

  /** Waits (bounded) for the first bytes of an answer. */
  async firstBytes(timeoutMs: number): Promise<boolean> {
    for (let waited = 0; waited < timeoutMs && this.chunks.length === 0; waited += 20) {
      await new Promise((done) => setTimeout(done, 20));
    }
    return this.chunks.length > 0;
  }

  /** Stops reading: the server's writes back up, so its response stays in flight. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  write(text: string): Promise<void> {
    return new Promise((done, fail) => this.socket.write(text, (error) => (error ? fail(error) : done())));
  }

  /** Waits (bounded) until the server closes the connection, then parses every response it sent. */
  async responses(timeoutMs: number): Promise<RawResponse[]> {
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
    return parseResponses(Buffer.concat(this.chunks));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function requestText(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body || method === 'POST') lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** HTTP/1.1 responses one after another: Content-Length or chunked bodies. */
export function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = data.subarray(at, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = headEnd + 4;
    const body: Buffer[] = [];
    if (headers['transfer-encoding']?.includes('chunked')) {
      for (;;) {
        const sizeEnd = data.indexOf('\r\n', at);
        if (sizeEnd < 0) return [...responses, incomplete(statusLine, headers, body)];
        const size = parseInt(data.subarray(at, sizeEnd).toString('latin1'), 16);
        at = sizeEnd + 2;
        if (size === 0) {
          at += 2;
          break;
        }
        if (at + size > data.length) return [...responses, incomplete(statusLine, headers, body)];
        body.push(data.subarray(at, at + size));
        at += size + 2;
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      body.push(data.subarray(at, at + length));
      at += length;
    }
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: Buffer.concat(body).toString('utf8'),
    });
  }
  return responses;
}

function incomplete(statusLine: string, headers: Record<string, string>, body: Buffer[]): RawResponse {
  return {
    status: Number(statusLine.split(' ')[1]),
    headers: { ...headers, 'x-test-incomplete': 'true' },
    body: Buffer.concat(body).toString('utf8'),
  };
}
