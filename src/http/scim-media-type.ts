import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { ScimError } from '../domain/errors.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../domain/schema/json.js';

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
 * - a body nesting deeper than MAX_JSON_DEPTH is a 400 invalidSyntax before any handler walks it.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const parser: FastifyBodyParser<string> = (request, body, done) => {
    if (body.length === 0 && !METHODS_WITH_BODY.has(request.method)) {
      done(null, undefined);
      return;
    }
    parseJson(request, body, (error, value) => {
      if (error) done(error, undefined);
      else if (exceedsDepth(value)) {
        done(
          ScimError.badRequest(
            'invalidSyntax',
            `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`,
          ),
          undefined,
        );
      } else done(null, value);
    });
  };
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(['application/json', SCIM_MEDIA_TYPE], { parseAs: 'string' }, parser);
}
