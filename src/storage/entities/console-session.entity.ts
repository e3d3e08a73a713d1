import { defineEntity, p } from '@mikro-orm/core';

/**
 * A console session (docs/console.md): the cookie carries a random id, the row its SHA-256 only, so a
 * copy of the table signs nobody in. An operator session has no tenant; a tenant admin's names its
 * tenant and the setup link that started it (revoking the link deletes its sessions).
 */
export const ConsoleSessionEntity = defineEntity({
  name: 'ConsoleSession',
  tableName: 'console_session',
  properties: {
    /** Hex SHA-256 of the cookie's session id. */
    idHash: p.text().primary(),
    /** 'operator' or 'tenantAdmin'. */
    role: p.text(),
    tenantId: p.uuid().nullable(),
    setupLinkId: p.uuid().nullable(),
    /** Sent back as X-CSRF-Token on state-changing requests. */
    csrfToken: p.text(),
    createdAt: p.datetime().defaultRaw('now()'),
    lastSeenAt: p.datetime().defaultRaw('now()'),
    /** The absolute end of the session, whatever its activity. */
    expiresAt: p.datetime(),
  },
  indexes: [{ name: 'console_session_setup_link_idx', properties: ['setupLinkId'] }],
});
