import { defineEntity, p } from '@mikro-orm/core';

/**
 * A tenant API key. Only the SHA-256 of the token is stored; the token itself is shown once, at
 * creation. A revoked key keeps its row (revokedAt set) so operators can still see it was revoked.
 */
export const ApiKeyEntity = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.text(),
    /** Hex SHA-256 of the whole token (prefix, key id and secret). */
    tokenHash: p.text(),
    createdAt: p.datetime().defaultRaw('now()'),
    expiresAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
