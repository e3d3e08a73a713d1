import type { FastifyInstance } from 'fastify';
import { ScimError } from '../domain/errors.js';
import { RETRY_AFTER_SECONDS } from './database-unavailable.js';
import { SCIM_CONTENT_TYPE } from './scim-media-type.js';

/** The servers that drain: from startDraining, or from Fastify's close at the latest. */
const draining = new WeakSet<FastifyInstance>();

/**
 * Answers every request that arrives from now on with the draining 503. Called first on shutdown:
 * Nest closes the HTTP server only after the modules' shutdown hooks (the webhook worker lets its
 * deliveries in flight finish, caches flush), and a request that arrived meanwhile would otherwise
 * still be served.
 */
export function startDraining(fastify: FastifyInstance): void {
  draining.add(fastify);
}

/**
 * While the server drains on shutdown, a request that still arrives (on a keep-alive connection that
 * is busy, or pipelined) gets a SCIM 503 with Retry-After and `Connection: close`, so the client or
 * load balancer retries elsewhere. Fastify's own return503OnClosing answers with a non-SCIM JSON body;
 * it is turned off in createApp and this takes its place.
 */
export function installDraining(fastify: FastifyInstance): void {
  fastify.addHook('preClose', (done) => {
    draining.add(fastify);
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!draining.has(fastify)) return done();
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
