/**
 * @scim-server/client: a typed client for the SCIM 2.0 server, generated from its OpenAPI document
 * (schema.d.ts, by openapi-typescript) and driven by openapi-fetch. Paths, parameters, bodies and
 * responses are typed; error answers throw a ScimClientError.
 */
import createClient, { type Client, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import { Webhook } from 'standardwebhooks';
import type { components, paths } from './schema.js';

export type { components, paths } from './schema.js';

type Schemas = components['schemas'];
export type User = Schemas['User'];
export type UserInput = Schemas['UserInput'];
export type Group = Schemas['Group'];
export type GroupInput = Schemas['GroupInput'];
export type PatchOp = Schemas['PatchOp'];
export type ServiceProviderConfig = Schemas['ServiceProviderConfig'];
export type ScimErrorBody = Schemas['Error'];
/** A change event (docs/events.md), as the events API returns it and webhooks will deliver it. */
export type ChangeEvent = Schemas['ChangeEvent'];
/** One event type, with its `data` typed: `ChangeEventOf<'user.deactivated'>`. */
export type ChangeEventOf<T extends ChangeEvent['type']> = Extract<ChangeEvent, { type: T }>;
export type ChangeEventPage = Schemas['ChangeEventPageDto'];
/** A Bulk request (RFC 7644 §3.7) and its answer: one result per operation that ran. */
export type BulkRequest = Schemas['BulkRequest'];
export type BulkResponse = Schemas['BulkResponse'];
export type WebhookEndpoint = Schemas['WebhookEndpointDto'];
export type WebhookAttempt = Schemas['WebhookAttemptDto'];

/** Headers as Node's `IncomingHttpHeaders`, a fetch `Headers`, or a plain object. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Verifies a webhook delivery (docs/events.md, "Verifying a delivery") with the Standard Webhooks
 * library and returns the event it carries; throws when the signature does not match the endpoint's
 * `whsec_` secret (any of the signatures: during a rotation there are two), or the timestamp is more
 * than 5 minutes away from now (replay protection). `payload` must be the raw body as received (a
 * string or Buffer), not JSON re-serialized. Deduplicate on the event `id` (= `webhook-id`): delivery
 * is at-least-once.
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
): ChangeEvent {
  const header = (name: string): string => {
    const value =
      headers instanceof Headers ? headers.get(name) : (headers[name] ?? headers[name.toLowerCase()]);
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  return new Webhook(secret).verify(body, {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  }) as ChangeEvent;
}

export const SCIM_MEDIA_TYPE = 'application/scim+json';
type Media = typeof SCIM_MEDIA_TYPE;

/** A SCIM error answer (RFC 7644 §3.12): the HTTP status, and the scimType and detail the server sent. */
export class ScimClientError extends Error {
  override name = 'ScimClientError';

  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorBody['scimType'],
    /** The response, e.g. for its Retry-After header on a 429. */
    readonly response?: Response,
  ) {
    super(`SCIM ${status}${scimType ? ` ${scimType}` : ''}: ${detail}`);
  }

  static async from(response: Response): Promise<ScimClientError> {
    let body: Partial<ScimErrorBody> = {};
    try {
      body = (await response.clone().json()) as Partial<ScimErrorBody>;
    } catch {
      // Not a SCIM error body (a proxy's answer, say): the status is all there is.
    }
    return new ScimClientError(response.status, body.detail ?? response.statusText, body.scimType, response);
  }
}

// openapi-fetch's method signature, with the error branch removed: errors throw instead.
type InitParam<Init> =
  RequiredKeysOf<Init> extends never
    ? [(Init & { [key: string]: unknown })?]
    : [Init & { [key: string]: unknown }];
type Success<R> = R extends { data: unknown } ? R : never;
type Operation<T> = Extract<T, Record<string | number, unknown>>;
type ThrowingMethod<Method extends HttpMethod> = <
  Path extends PathsWithMethod<paths, Method>,
  Init extends MaybeOptionalInit<paths[Path], Method>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<Success<FetchResponse<Operation<paths[Path][Method]>, Init, Media>>>;

/** Query parameters of a list, without the paging ones the iterators own. */
export interface ListQuery {
  filter?: string;
  sortBy?: string;
  sortOrder?: 'ascending' | 'descending';
  /** Page size (the server clamps it to its maximum). */
  count?: number;
  attributes?: string;
  excludedAttributes?: string;
}

interface ListPage<T> {
  /** Absent on cursor pages: the server counts nothing for them (RFC 9865 §2.2). */
  totalResults?: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: T[];
}

type ListPath = '/scim/v2/Users' | '/scim/v2/Groups';
type ResourceOf<P extends ListPath> = P extends '/scim/v2/Users' ? User : Group;

export interface ScimClient {
  GET: ThrowingMethod<'get'>;
  POST: ThrowingMethod<'post'>;
  PUT: ThrowingMethod<'put'>;
  PATCH: ThrowingMethod<'patch'>;
  DELETE: ThrowingMethod<'delete'>;
  /** Each page of a list, following RFC 9865 cursors (`cursor=` first, then nextCursor). */
  pages<P extends ListPath>(path: P, query?: ListQuery): AsyncGenerator<ListPage<ResourceOf<P>>>;
  /** Each resource of a list, page after page. */
  list<P extends ListPath>(path: P, query?: ListQuery): AsyncGenerator<ResourceOf<P>>;
  /**
   * POST /scim/v2/Bulk. Resolves with the BulkResponse even when operations failed (see each result's
   * `status`); throws only when the request as a whole is refused (400, 413, 429, …).
   */
  bulk(request: BulkRequest): Promise<BulkResponse>;
  /** The underlying openapi-fetch client (answers errors as `{ error }` instead of throwing). */
  raw: Client<paths, Media>;
}

export interface ScimClientOptions {
  /** The server's origin, e.g. https://scim.example.com (paths start with /scim/v2). */
  baseUrl: string;
  /** The tenant API key, sent as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch;
}

export function createScimClient({ baseUrl, apiKey, fetch }: ScimClientOptions): ScimClient {
  const raw = createClient<paths, Media>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${apiKey}`, Accept: SCIM_MEDIA_TYPE },
    ...(fetch ? { fetch } : {}),
  });
  const throwing = createClient<paths, Media>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${apiKey}`, Accept: SCIM_MEDIA_TYPE },
    ...(fetch ? { fetch } : {}),
  });
  const scimBodies = {
    onRequest({ request }: { request: Request }) {
      if (request.body !== null) request.headers.set('Content-Type', SCIM_MEDIA_TYPE);
      return request;
    },
  };
  raw.use(scimBodies);
  throwing.use(scimBodies, {
    async onResponse({ response }) {
      // 304 answers a conditional GET (If-None-Match): not an error.
      if (!response.ok && response.status !== 304) throw await ScimClientError.from(response);
      return response;
    },
  });

  async function* pages<P extends ListPath>(path: P, query: ListQuery = {}) {
    let cursor = '';
    for (;;) {
      // The path is one of two list routes; openapi-fetch cannot narrow a union of paths, hence the cast.
      const { data } = await (
        throwing.GET as unknown as (p: string, i: unknown) => Promise<{ data: unknown }>
      )(path, {
        params: { query: { ...query, cursor } },
      });
      const page = data as ListPage<ResourceOf<P>>;
      yield page;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  async function* list<P extends ListPath>(path: P, query: ListQuery = {}) {
    for await (const page of pages(path, query)) yield* page.Resources;
  }

  async function bulk(request: BulkRequest): Promise<BulkResponse> {
    const { data } = await throwing.POST('/scim/v2/Bulk', { body: request });
    return data as BulkResponse;
  }

  return {
    GET: throwing.GET as ThrowingMethod<'get'>,
    POST: throwing.POST as ThrowingMethod<'post'>,
    PUT: throwing.PUT as ThrowingMethod<'put'>,
    PATCH: throwing.PATCH as ThrowingMethod<'patch'>,
    DELETE: throwing.DELETE as ThrowingMethod<'delete'>,
    pages,
    list,
    bulk,
    raw,
  };
}
