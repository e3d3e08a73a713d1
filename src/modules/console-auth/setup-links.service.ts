import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { setupLinkExpiry } from '../../domain/console/console-session-rules.js';
import { ScimError } from '../../domain/errors.js';
import { Database } from '../../storage/database.js';
import { SetupLinksRepository, type SetupLinkRow } from '../../storage/setup-links.repository.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoOrNull, isoTimestamp } from '../../storage/timestamps.js';
import { AuditService, type OperatorCall } from '../audit/audit.service.js';
import { requireTenantId } from '../auth/api-keys.service.js';
import { issueSetupToken } from './setup-link-token.js';

/** A new setup link: `url` carries the token (in its fragment) and is in this response only. */
export interface CreatedSetupLink {
  id: string;
  url: string;
  expiresAt: string;
  createdAt: string;
}

export interface SetupLinkView {
  id: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

/** The path of the console page that exchanges a setup token for a session (the token in the fragment). */
export const SETUP_PATH = '/console/setup';

/**
 * Setup links (docs/console.md): created, listed and revoked by operators (operator API, CLI), in the
 * tenant's own transaction, each change in the tenant's audit trail.
 */
@Injectable()
export class SetupLinksService {
  private readonly publicUrl?: string;

  constructor(
    private readonly db: Database,
    private readonly links: SetupLinksRepository,
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.publicUrl = config.publicUrl;
  }

  /**
   * A new link of the tenant; `origin` is where the console is reached when PUBLIC_URL is unset (the
   * creating request's own origin, or the CLI's guess).
   */
  async create(
    tenantId: string,
    options: { expiresAt?: Date },
    call: OperatorCall,
    origin: string,
    now = new Date(),
  ): Promise<CreatedSetupLink> {
    requireTenantId(tenantId);
    const expiresAt = setupLinkExpiry(now, options.expiresAt);
    const issued = issueSetupToken();
    await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      await this.links.insert(tx, {
        id: issued.linkId,
        tokenHash: issued.tokenHash,
        createdAt: now,
        expiresAt,
      });
      await this.audit.recordOperator(tx, tenantId, call, {
        operation: 'create',
        resourceType: 'SetupLink',
        resourceId: issued.linkId,
        attributes: ['expiresAt'],
      });
    });
    const base = (this.publicUrl ?? origin).replace(/\/+$/, '');
    return {
      id: issued.linkId,
      url: `${base}${SETUP_PATH}#${issued.token}`,
      expiresAt: expiresAt.toISOString(),
      createdAt: now.toISOString(),
    };
  }

  async list(tenantId: string): Promise<SetupLinkView[]> {
    requireTenantId(tenantId);
    const rows = await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      return this.links.list(tx);
    });
    return rows.map(toView);
  }

  /** Revokes the link and ends every session it started, at once (one transaction). */
  async revoke(tenantId: string, linkId: string, call: OperatorCall): Promise<void> {
    requireTenantId(tenantId);
    await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      if (!(await this.links.revoke(tx, linkId, new Date()))) {
        throw ScimError.notFound(`Setup link ${linkId} not found`);
      }
      await this.audit.recordOperator(tx, tenantId, call, {
        operation: 'delete',
        resourceType: 'SetupLink',
        resourceId: linkId.toLowerCase(),
        attributes: [],
      });
    });
  }
}

function toView(row: SetupLinkRow): SetupLinkView {
  const revokedAt = isoOrNull(row.revoked_at);
  const lastUsedAt = isoOrNull(row.last_used_at);
  return {
    id: row.id,
    createdAt: isoTimestamp(row.created_at),
    expiresAt: isoTimestamp(row.expires_at),
    ...(revokedAt ? { revokedAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
  };
}
