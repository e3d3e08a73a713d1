import { defineEntity, p } from '@mikro-orm/core';

/**
 * A setup link of a tenant (docs/console.md): a URL an operator hands a customer's admin, whose token
 * starts a console session limited to that tenant. Only the SHA-256 of the token is stored; the token
 * is in the creation response only. A revoked link keeps its row (revokedAt set).
 */
export const SetupLinkEntity = defineEntity({
  name: 'SetupLink',
  tableName: 'setup_link',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    /** Hex SHA-256 of the whole token. */
    tokenHash: p.text(),
    createdAt: p.datetime().defaultRaw('now()'),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'setup_link_tenant_idx', properties: ['tenantId', 'createdAt'] }],
});
