import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { SCIM_CONTENT_TYPE } from '../../http/scim-media-type.js';
import type { ScimResource } from '../../domain/schema/types.js';

/** The absolute base clients reach us at: PUBLIC_URL, else what the request says (RFC 7644 §3.1 Location). */
export function baseUrlOf(config: AppConfig, request: FastifyRequest): string {
  if (config.publicUrl) return config.publicUrl;
  return `${request.protocol}://${request.host}`;
}

/** Sends a SCIM resource with its version as the ETag header (RFC 7644 §3.14). */
export function sendResource(reply: FastifyReply, status: number, resource: ScimResource): ScimResource {
  const meta = resource.meta as { version?: string; location?: string } | undefined;
  void reply.status(status).header('Content-Type', SCIM_CONTENT_TYPE);
  if (meta?.version) void reply.header('ETag', meta.version);
  if (status === 201 && meta?.location) void reply.header('Location', meta.location);
  return resource;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}
