import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseListQuery, type ListQuery, type ListQueryInput } from '../../domain/list/list-query.js';
import { parseProjection, type Projection, type ProjectionRequest } from '../../domain/project/attributes.js';
import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import { SCIM_CONTENT_TYPE } from '../../http/scim-media-type.js';
import { isNotModified } from './etag.js';
import type { RequestScopes } from './request-scopes.js';
import type { RequestScope } from './request-scope.js';
import { header, sendResource } from './scim-http.js';
import { searchBody } from './search-body.js';
import { streamedJson, type StreamedAttribute } from './streamed-json.js';
import { scimRegistry } from '../scim/scim-registry.js';

/**
 * One resource as read; a very large multi-valued attribute may come as a stream beside it. A stream
 * holds a pooled connection until its `close()` runs, which the HTTP layer guarantees.
 */
export interface ReadResult {
  resource: ScimResource;
  version: number;
  streamed?: StreamedAttribute;
}

/** What the Users and Groups services offer the HTTP layer. */
export interface ScimResourceService {
  create(scope: RequestScope, body: unknown, projection?: Projection): Promise<ScimResource>;
  get(scope: RequestScope, id: string, projection?: Projection): Promise<ReadResult>;
  list(scope: RequestScope, query: ListQuery): Promise<ScimResource>;
  replace(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection?: Projection,
  ): Promise<ScimResource>;
  patch(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection?: Projection,
  ): Promise<ScimResource>;
  delete(scope: RequestScope, id: string, ifMatch?: string): Promise<void>;
}

/**
 * The HTTP half of a SCIM resource endpoint (RFC 7644 §3), shared by /Users and /Groups: query
 * parameters in, one service call, status, ETag, Location and media type out.
 */
export class ResourceHttp {
  constructor(
    private readonly resourceType: ResourceTypeName,
    private readonly service: ScimResourceService,
    private readonly scopes: RequestScopes,
    /** The projection of a PATCH answer when the request names no attributes. */
    private readonly patchProjection?: Projection,
  ) {}

  async create(request: FastifyRequest, reply: FastifyReply, body: unknown, query: ProjectionRequest) {
    const created = await this.service.create(this.scopes.of(request), body, this.projection(query));
    return sendResource(reply, 201, created);
  }

  async list(request: FastifyRequest, reply: FastifyReply, query: ListQueryInput) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.service.list(this.scopes.of(request), parseListQuery(scimRegistry, this.resourceType, query));
  }

  async search(request: FastifyRequest, reply: FastifyReply, body: unknown) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.service.list(
      this.scopes.of(request),
      parseListQuery(scimRegistry, this.resourceType, searchBody(body)),
    );
  }

  async get(request: FastifyRequest, reply: FastifyReply, id: string, query: ProjectionRequest) {
    const { resource, version, streamed } = await this.service.get(
      this.scopes.of(request),
      id,
      this.projection(query),
    );
    if (!streamed) {
      if (this.notModified(request, reply, resource, version)) return undefined;
      return sendResource(reply, 200, resource);
    }
    // The stream holds a cursor on a pooled connection: every way out releases it. 'close' fires when
    // the response is done and when the client hangs up mid-body (the stream may never have started);
    // a client that hung up while the group was being read is already gone and will not fire it.
    if (reply.raw.destroyed) {
      await streamed.close();
      return undefined;
    }
    reply.raw.once('close', () => void streamed.close());
    try {
      if (this.notModified(request, reply, resource, version)) {
        await streamed.close();
        return undefined;
      }
      sendResource(reply, 200, resource);
      if (request.method === 'HEAD') {
        // Same headers as the GET (chunked, so no Content-Length), without reading a single member.
        await streamed.close();
        return Readable.from([]);
      }
      return streamedJson(resource, streamed);
    } catch (error) {
      await streamed.close();
      throw error;
    }
  }

  /** If-None-Match naming the current version (RFC 7644 §3.14): 304 with the ETag, no body. */
  private notModified(request: FastifyRequest, reply: FastifyReply, resource: ScimResource, version: number) {
    if (!isNotModified(header(request, 'if-none-match'), version)) return false;
    void reply.status(304).header('ETag', (resource.meta as { version: string }).version);
    return true;
  }

  async replace(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    body: unknown,
    query: ProjectionRequest,
  ) {
    const scope = this.scopes.of(request);
    const replaced = await this.service.replace(
      scope,
      id,
      body,
      header(request, 'if-match'),
      this.projection(query),
    );
    return sendResource(reply, 200, replaced);
  }

  async patch(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    body: unknown,
    query: ProjectionRequest,
  ) {
    const asked = query.attributes !== undefined || query.excludedAttributes !== undefined;
    const projection = asked || !this.patchProjection ? this.projection(query) : this.patchProjection;
    const scope = this.scopes.of(request);
    return sendResource(
      reply,
      200,
      await this.service.patch(scope, id, body, header(request, 'if-match'), projection),
    );
  }

  async delete(request: FastifyRequest, id: string): Promise<void> {
    await this.service.delete(this.scopes.of(request), id, header(request, 'if-match'));
  }

  private projection(query: ProjectionRequest): Projection {
    return parseProjection(scimRegistry, this.resourceType, query);
  }
}
