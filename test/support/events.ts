import type { NestFastifyApplication } from '@nestjs/platform-fastify';

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
 * A reader of one feed (a tenant's, or all tenants' with `tenantId` undefined) that polls from where it
 * stopped, as the product's services will: `poll()` returns the events new since the last poll.
 */
export function feedReader(app: NestFastifyApplication, tenantId?: string) {
  const path = tenantId === undefined ? 'events' : `tenants/${tenantId}/events`;
  let cursor: string | undefined;
  return {
    get cursor() {
      return cursor;
    },
    async poll(types?: string): Promise<FeedEvent[]> {
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
