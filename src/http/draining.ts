import type { FastifyInstance } from 'fastify';
import { ScimError } from '../domain/errors.js';
import { RETRY_AFTER_SECONDS } from './database-unavailable.js';
import { SCIM_CONTENT_TYPE } from './scim-media-type.js';

/**
 * While the server drains on shutdown, a request that still arrives (on a keep-alive connection that
 * is busy, or pipelined) gets a SCIM 503 with Retry-After and `Connection: close`, so the client or
 * load balancer retries elsewhere. Fastify's own return503OnClosing answers with a non-SCIM JSON body;
 * it is turned off in createApp and this takes its place.
 */
export function installDraining(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    if (request.url.startsWith('/health/')) {
      // Probes get the shape their route documents (terminus' health result), not a SCIM error.
      const down = { draining: { status: 'down', message: 'the server is shutting down' } };
      void reply
        .status(503)
        .header('Retry-After', String(RETRY_AFTER_SECONDS))
        .header('Connection', 'close')
        .send({ status: 'error', info: {}, error: down, details: down });
      return;
    }
    const error = new ScimError(503, 'The server is shutting down; retry after the Retry-After delay');
    void reply
      .status(503)
      .header('Retry-After', String(RETRY_AFTER_SECONDS))
      .header('Connection', 'close')
      .header('Content-Type', SCIM_CONTENT_TYPE)
      .send(error.toJSON());
  });
}
