import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The request's path (tests give each endpoint a path of its own). */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  event: {
    id: string;
    type: string;
    tenantId: string | null;
    data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
  };
  /** The status this receiver answered. */
  status: number;
}

/**
 * A webhook receiver on 127.0.0.1 for the tests: records every request, answers `answer(request)`
 * (200 by default) after `delayMs`. `accepted` lists the requests it answered 2xx, in arrival order.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer: (request: { index: number; path: string; event: ReceivedWebhook['event'] }) => number = () => 200;
  delayMs = 0;
  private readonly server: Server;

  private constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let event: ReceivedWebhook['event'];
        try {
          event = JSON.parse(body) as ReceivedWebhook['event'];
        } catch {
          event = { id: '', type: 'unparseable', tenantId: null, data: {} };
        }
        const status = this.answer({ index: this.received.length, path: request.url ?? '', event });
        const entry = { path: request.url ?? '', headers: request.headers, body, event, status };
        const reply = () => {
          this.received.push(entry);
          response
            .writeHead(status, { 'content-type': 'text/plain' })
            .end(status < 300 ? 'ok' : `status ${status}`);
        };
        if (this.delayMs > 0) setTimeout(reply, this.delayMs);
        else reply();
      });
    });
  }

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(port, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get accepted(): ReceivedWebhook[] {
    return this.received.filter((entry) => entry.status >= 200 && entry.status < 300);
  }

  /** What was answered 2xx at the path of `url` (one endpoint's deliveries), in arrival order. */
  acceptedAt(url: string): ReceivedWebhook[] {
    const path = new URL(url).pathname;
    return this.accepted.filter((entry) => entry.path === path);
  }

  /** Waits (polling, bounded) until `done()` holds; throws with what arrived when it does not. */
  async waitFor(done: (receiver: this) => boolean, what: string, timeoutMs = 45_000): Promise<void> {
    for (let waited = 0; waited < timeoutMs; waited += 50) {
      if (done(this)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `receiver: ${what} did not happen; got ${this.received.length}: ${this.received
        .slice(-10)
        .map((entry) => `${entry.event.type} → ${entry.status}`)
        .join(', ')}`,
    );
  }

  /** Waits until `count` requests were answered 2xx. */
  waitForAccepted(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(
      (receiver) => receiver.accepted.length >= count,
      `${count} accepted deliveries`,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An event as sequence tests compare it: type and resource, plus the member for member events. */
export function briefOf(event: ReceivedWebhook['event']): string {
  const member = event.data.member as { value: string } | undefined;
  const resource = (event.data.resource ?? event.data.group) as { id: string };
  return member ? `${event.type} ${resource.id} ${member.value}` : `${event.type} ${resource.id}`;
}
