/**
 * TEMPORARY: the console API of the contract, typed by hand until the backend's OpenAPI document and the
 * regenerated client are merged. Deleted then; `paths` of clients/typescript is used alone.
 */
import type { components, paths } from '../../../clients/typescript/index.ts';

type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type NoBody = { headers: { [name: string]: unknown }; content?: never };
type ErrorBody = {
  headers: { [name: string]: unknown };
  content: { 'application/scim+json': components['schemas']['Error'] };
};
type Errors = { 400: ErrorBody; 401: ErrorBody; 403: ErrorBody; 404: ErrorBody };
type Params<P, Q> = ([P] extends [never] ? { path?: never } : { path: P }) & {
  query?: Q;
  header?: never;
  cookie?: never;
};
type Op<P, Q, B, R> = { parameters: Params<P, Q>; responses: R & Errors } & ([B] extends [never]
  ? { requestBody?: never }
  : { requestBody: { content: { 'application/json': B } } });
type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type Path<M> = { parameters: { query?: never; header?: never; path?: never; cookie?: never } } & {
  [K in Exclude<Method, keyof M>]?: never;
} & M;

type Tenant = components['schemas']['TenantDto'];
type Id = { id: string };

export interface Session {
  role: 'operator' | 'tenantAdmin';
  tenantId?: string;
  tenantName?: string;
  csrfToken: string;
  expiresAt: string;
}
export interface SetupLink {
  id: string;
  expiresAt: string;
  createdAt: string;
  revokedAt?: string;
  lastUsedAt?: string;
}
export interface CreatedSetupLink {
  id: string;
  url: string;
  expiresAt: string;
  createdAt: string;
}
export interface Member {
  id: string;
  userName: string;
  displayName?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  email?: string;
  role: 'Admin' | 'Editor' | 'Viewer';
  userType?: string;
  active: boolean;
  groups: { id: string; displayName: string }[];
  externalId?: string;
  createdAt: string;
  updatedAt: string;
}
export interface TeamGroup {
  id: string;
  displayName: string;
  memberCount: number;
  externalId?: string;
  createdAt: string;
  updatedAt: string;
}
type AuditEvent = components['schemas']['AuditEventDto'] & { actor?: string };
export interface Connection {
  scimBaseUrl: string;
  lastRequestAt?: string;
  lastRequestApiKeyId?: string;
  lastRequestUserAgent?: string;
  lastError?: { at: string; status: number; scimType?: string; detail: string; method: string; path: string };
}

interface Pending {
  '/console/api/session': Path<{
    get: Op<never, never, never, { 200: Json<Session> }>;
    post: Op<never, never, { setupToken: string } | { adminToken: string }, { 201: Json<Session> }>;
    delete: Op<never, never, never, { 204: NoBody }>;
  }>;
  '/admin/v1/tenants/{id}': Path<{
    get: Op<Id, never, never, { 200: Json<Tenant> }>;
    patch: Op<Id, never, { name: string }, { 200: Json<Tenant> }>;
    delete: Op<Id, never, never, { 204: NoBody }>;
  }>;
  '/admin/v1/tenants/{id}/setup-links': Path<{
    get: Op<Id, never, never, { 200: Json<{ setupLinks: SetupLink[] }> }>;
    post: Op<Id, never, { expiresAt?: string }, { 201: Json<CreatedSetupLink> }>;
  }>;
  '/admin/v1/tenants/{id}/setup-links/{linkId}': Path<{
    delete: Op<{ id: string; linkId: string }, never, never, { 204: NoBody }>;
  }>;
  '/admin/v1/tenants/{id}/audit-events': Path<{
    get: Op<
      Id,
      {
        cursor?: string;
        limit?: number;
        resourceType?: 'User' | 'Group';
        resourceId?: string;
        operation?: string;
      },
      never,
      { 200: Json<{ events: AuditEvent[]; nextCursor: string | null }> }
    >;
  }>;
  '/admin/v1/tenants/{id}/members': Path<{
    get: Op<
      Id,
      {
        search?: string;
        role?: 'Admin' | 'Editor' | 'Viewer';
        status?: 'active' | 'deactivated';
        group?: string;
        sort?: 'name' | 'userName' | 'role';
        order?: 'asc' | 'desc';
        after?: string;
        limit?: number;
      },
      never,
      { 200: Json<{ members: Member[]; nextCursor?: string }> }
    >;
  }>;
  '/admin/v1/tenants/{id}/members/{userId}': Path<{
    get: Op<
      { id: string; userId: string },
      never,
      never,
      { 200: Json<{ member: Member; resource: Record<string, unknown>; history: AuditEvent[] }> }
    >;
  }>;
  '/admin/v1/tenants/{id}/groups': Path<{
    get: Op<
      Id,
      { search?: string; after?: string; limit?: number },
      never,
      { 200: Json<{ groups: TeamGroup[]; nextCursor?: string }> }
    >;
  }>;
  '/admin/v1/tenants/{id}/groups/{groupId}': Path<{
    get: Op<
      { id: string; groupId: string },
      never,
      never,
      { 200: Json<{ group: TeamGroup; history: AuditEvent[] }> }
    >;
  }>;
  '/admin/v1/tenants/{id}/groups/{groupId}/members': Path<{
    get: Op<
      { id: string; groupId: string },
      { after?: string; limit?: number },
      never,
      { 200: Json<{ members: Member[]; nextCursor?: string }> }
    >;
  }>;
  '/admin/v1/tenants/{id}/connection': Path<{
    get: Op<Id, never, never, { 200: Json<Connection> }>;
  }>;
}

export type ConsolePaths = Omit<paths, keyof Pending> & Pending;
