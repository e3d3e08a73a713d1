import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { ScimError } from '../../domain/errors.js';
import type { AuthenticatedKey, VerifyResult } from './api-keys.service.js';

export const API_KEY_STRATEGY = 'scim-api-key';

/**
 * What ApiKeyGuard hands to passport instead of the Fastify request: only the Authorization header
 * (so RFC 6750's `access_token` query and form parameters, which end up in URLs and logs, are never
 * read) and the verifier of the guard's own application.
 */
export interface ApiKeyRequest {
  headers: { authorization?: string };
  verifyApiKey(token: string): Promise<VerifyResult>;
}

/**
 * `Authorization: Bearer <key>` (scheme word case-insensitive), as Okta and Entra send it. Passport
 * keeps strategies in one process-wide registry, where the last application created would win, so
 * the strategy holds no state: the key is checked by the verifier that comes with the request.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(BearerStrategy, API_KEY_STRATEGY) {
  constructor() {
    super({ passReqToCallback: true });
  }

  async validate(request: ApiKeyRequest, token: string): Promise<AuthenticatedKey> {
    const result = await request.verifyApiKey(token);
    if (!result.ok) throw new ScimError(401, result.detail);
    return result.key;
  }
}
