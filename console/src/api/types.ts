/** The shapes the console reads, taken from the generated OpenAPI types (no hand-written copies). */
import type { Paths } from './client.ts';

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Success<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer C }
      ? JsonOf<C>
      : never
  : never;
/** The JSON body of the success answer of `method` on `path`. */
export type Ok<P extends keyof Paths, M extends keyof Paths[P]> = Success<Paths[P][M]>;

export type Session = Ok<'/console/api/session', 'get'>;
export type Tenant = Ok<'/admin/v1/tenants/{id}', 'get'>;
export type CreatedTenant = Ok<'/admin/v1/tenants', 'post'>;
export type ApiKey = Ok<'/admin/v1/tenants/{id}/api-keys', 'get'>[number];
export type CreatedApiKey = Ok<'/admin/v1/tenants/{id}/api-keys', 'post'>;
export type SetupLink = Ok<'/admin/v1/tenants/{id}/setup-links', 'get'>['setupLinks'][number];
export type CreatedSetupLink = Ok<'/admin/v1/tenants/{id}/setup-links', 'post'>;
export type MemberPage = Ok<'/admin/v1/tenants/{id}/members', 'get'>;
export type Member = MemberPage['members'][number];
export type MemberDetail = Ok<'/admin/v1/tenants/{id}/members/{userId}', 'get'>;
export type GroupPage = Ok<'/admin/v1/tenants/{id}/groups', 'get'>;
export type TeamGroup = GroupPage['groups'][number];
export type GroupDetail = Ok<'/admin/v1/tenants/{id}/groups/{groupId}', 'get'>;
export type AuditPage = Ok<'/admin/v1/tenants/{id}/audit-events', 'get'>;
export type AuditEvent = AuditPage['events'][number];
export type ChangeEventPage = Ok<'/admin/v1/tenants/{id}/events', 'get'>;
export type ChangeEvent = ChangeEventPage['events'][number];
export type Connection = Ok<'/admin/v1/tenants/{id}/connection', 'get'>;
export type Role = Member['role'];
