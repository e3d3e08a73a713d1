import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyBodyParser } from 'fastify';
import { assertStorableJson } from '../domain/schema/json.js';

/** RFC 7644 §3.1 / §8.1: SCIM messages use application/scim+json. */
export const SCIM_MEDIA_TYPE = 'application/scim+json';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Methods whose request carries the resource or operations: an empty body there is a 400. */
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Registers the one JSON body parser, for application/json and application/scim+json (RFC 7644 §8.1),
 * on every route (SCIM and the operator API). Fastify's own parser is kept for the parsing itself
 * (prototype-poisoning checks, its error codes); around it:
 * - an empty body is no body on DELETE (and OPTIONS): Okta's test suite and many clients send
 *   `Content-Type: application/json` on every request. GET and HEAD bodies are never parsed.
 * - a body nesting deeper than MAX_JSON_DEPTH is a 400 invalidSyntax before any handler walks it, and
 *   one with U+0000 in a string or key a 400 invalidValue (PostgreSQL cannot store it), on the operator
 *   API as on SCIM. The domain checks SCIM bodies again (validateResource, parsePatchRequest).
 */
export function registerJsonBodyParser(app: NestFastifyApplication): void {
  const parseJson = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  const parser: FastifyBodyParser<Buffer> = (request, body, done) => {
    if (body.length === 0 && !METHODS_WITH_BODY.has(request.method)) {
      done(null, undefined);
      return;
    }
    parseJson(request, body.toString('utf8'), (error, value) => {
      if (error) return done(error, undefined);
      try {
        assertStorableJson(value);
      } catch (refused) {
        return done(refused as Error, undefined);
      }
      done(null, value);
    });
  };
  // Through Nest, so that Nest does not add its own application/json parser at init.
  app.useBodyParser(['application/json', SCIM_MEDIA_TYPE], {}, parser);

  // A DELETE body is never read (RFC 9110 §9.3.5 gives it no meaning): the request is answered
  // whatever its Content-Type says, even one that does not parse, as a GET's already is. Fastify
  // parses a DELETE body as it does a POST's, so the headers that announce one are dropped before it
  // looks (Node's HTTP parser has framed the message already and discards the unread bytes).
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => {
      if (request.method === 'DELETE') {
        for (const name of ['content-type', 'content-length', 'transfer-encoding'])
          delete request.raw.headers[name];
      }
      done();
    });
}
