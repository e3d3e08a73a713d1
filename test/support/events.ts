import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Database } from '../../src/storage/database.js';

export const EVENTS_ADMIN_TOKEN = 'events-operator-token-0123456789';

export interface FeedEvent {
  id: string;
  type: string;
  tenantId: string;
  occurredAt: string;
  requestId: string;
  apiKeyId: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON, checked against the OpenAPI document
}

export interface FeedPage {
  status: number;
  body: { events: FeedEvent[]; nextCursor: string } & Record<string, unknown>;
}

/** GET of an events feed of the operator API (responses validated against the OpenAPI document). */
export async function getFeed(
  app: NestFastifyApplication,
  path: string,
  query: Record<string, string | undefined> = {},
): Promise<FeedPage> {
  const params = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();
  const res = await app.inject({
    method: 'GET',
    url: `/admin/v1/${path}${params ? `?${params}` : ''}`,
    headers: { authorization: `Bearer ${EVENTS_ADMIN_TOKEN}` },
  });
  return { status: res.statusCode, body: res.json() };
}

/**
 * Waits (at most 5 s) until every transaction that had begun when it was called has ended. The feed
 * hands out an event only once every transaction with a smaller id has ended (docs/events.md,
 * "Ordering"), so a transaction open elsewhere at the moment of a poll (the webhook worker's, say)
 * may hold a test's own, committed events back for a moment: a test that expects them waits first.
 */
async function settled(app: NestFastifyApplication): Promise<void> {
  const db = app.get(Database, { strict: false });
  const horizon = (await db.system((tx) => tx.sql<{ xmax: string }>(NEXT_XID_SQL))).rows[0].xmax;
  for (let attempt = 0; attempt < 250; attempt += 1) {
    const { rows } = await db.system((tx) =>
      tx.sql<{ ended: boolean }>(`SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ended`, [
        horizon,
      ]),
    );
    if (rows[0].ended) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The next transaction id to be assigned: every transaction that has one now has a smaller one. */
const NEXT_XID_SQL = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`;

/**
 * A reader of one feed (a tenant's, or all tenants' with `tenantId` undefined) that polls from where it
 * stopped, as the product's services will: `poll()` returns the events new since the last poll, once
 * the transactions open when it was called have ended (settled: the events of every write the test
 * has seen answered are there). `{ settle: false }` polls at once (what a reader sees while a
 * transaction is open).
 */
export function feedReader(app: NestFastifyApplication, tenantId?: string) {
  const path = tenantId === undefined ? 'events' : `tenants/${tenantId}/events`;
  let cursor: string | undefined;
  return {
    get cursor() {
      return cursor;
    },
    async poll(types?: string, options: { settle?: boolean } = {}): Promise<FeedEvent[]> {
      if (options.settle ?? true) await settled(app);
      const events: FeedEvent[] = [];
      for (let pages = 0; pages < 100; pages += 1) {
        const page = await getFeed(app, path, { after: cursor, limit: '1000', types });
        if (page.status !== 200)
          throw new Error(`feed answered ${page.status}: ${JSON.stringify(page.body)}`);
        cursor = page.body.nextCursor;
        events.push(...page.body.events);
        if (page.body.events.length < 1000) return events;
      }
      throw new Error('more than 100 pages');
    },
  };
}

/** An event as the sequence tests compare it: type and resource, plus the member for member events. */
export function brief(event: FeedEvent): string {
  const member = event.data.member as { value: string } | undefined;
  const resource = (event.data.resource ?? event.data.group) as { id: string };
  return member ? `${event.type} ${resource.id} ${member.value}` : `${event.type} ${resource.id}`;
}
