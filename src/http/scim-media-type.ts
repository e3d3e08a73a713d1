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

  // Any other media type: an empty DELETE (or OPTIONS) has no body whatever its Content-Type says, as
  // GET already has; a body in another media type is a 415, as without this parser.
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
      if (body.length === 0 && !METHODS_WITH_BODY.has(request.method)) return done(null, undefined);
      done(unsupportedMediaType(request.headers['content-type']), undefined);
    });
}

/** Fastify's own 415 error (code FST_ERR_CTP_INVALID_MEDIA_TYPE), mapped by the exception filter. */
function unsupportedMediaType(contentType: string | undefined): Error {
  const error = new Error(`Unsupported Media Type: ${contentType ?? ''}`) as Error & {
    code: string;
    statusCode: number;
  };
  error.code = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
  error.statusCode = 415;
  return error;
}
