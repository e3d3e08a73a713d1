import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { sessionExpiry, type ConsoleRole } from '../../domain/console/console-session-rules.js';
import { ScimError } from '../../domain/errors.js';
import {
  ConsoleSessionsRepository,
  type ConsoleSessionRow,
} from '../../storage/console-sessions.repository.js';
import { Database } from '../../storage/database.js';
import { SetupLinksRepository } from '../../storage/setup-links.repository.js';
import { isoTimestamp } from '../../storage/timestamps.js';
import { parseSetupToken, setupTokenMatches } from './setup-link-token.js';

/** A live session as the console sees it (POST and GET /console/api/session). */
export interface ConsoleSessionView {
  role: ConsoleRole;
  tenantId?: string;
  tenantName?: string;
  /** Send as X-CSRF-Token with every state-changing request made with the session cookie. */
  csrfToken: string;
  /** When the session ends at the latest (12 h after sign-in, or when its setup link expires). */
  expiresAt: string;
  /** Minutes without a request after which the session ends (CONSOLE_SESSION_IDLE_MINUTES). */
  idleTimeoutMinutes: number;
}

/** A live session, as the admin guard and the session routes use it. */
export interface LiveSession {
  view: ConsoleSessionView;
  setupLinkId?: string;
}

export type SignInRequest = { setupToken: string } | { adminToken: string };

const UNKNOWN = 'The token is not valid, has expired or was revoked';

@Injectable()
export class ConsoleSessionsService {
  private readonly logger = new Logger(ConsoleSessionsService.name);
  private readonly adminTokenHash?: Buffer;
  private readonly idleMinutes: number;

  constructor(
    private readonly db: Database,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly links: SetupLinksRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminTokenHash = config.adminToken ? sha256(config.adminToken) : undefined;
    this.idleMinutes = config.consoleSessionIdleMinutes;
  }

  /**
   * Exchanges a setup token (a tenant admin) or ADMIN_TOKEN (an operator) for a new session; 401 when
   * the token is wrong, expired or revoked (one message for all: a guesser learns nothing), or is
   * ADMIN_TOKEN while none is configured. Returns the session id for the cookie.
   */
  async signIn(
    request: SignInRequest,
    now = new Date(),
  ): Promise<{ sessionId: string; view: ConsoleSessionView }> {
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const base = { idHash: hashHex(sessionId), csrfToken, createdAt: now };
    if ('adminToken' in request) {
      if (!this.adminTokenHash || !timingSafeEqual(sha256(request.adminToken), this.adminTokenHash)) {
        throw new ScimError(401, UNKNOWN);
      }
      const expiresAt = sessionExpiry(now);
      await this.db.systemStatement((tx) =>
        this.sessions.insert(tx, { ...base, role: 'operator', tenantId: null, setupLinkId: null, expiresAt }),
      );
      await this.prune();
      return { sessionId, view: this.view({ role: 'operator', csrfToken, expiresAt }) };
    }
    const parsed = parseSetupToken(request.setupToken);
    const signedIn = await this.db.system(async (tx) => {
      const link = parsed ? await this.links.findForSignIn(tx, parsed.linkId) : undefined;
      const matches = setupTokenMatches(request.setupToken, link?.token_hash);
      const linkExpiresAt = link ? new Date(isoTimestamp(link.expires_at)) : undefined;
      if (!link || !matches || link.revoked_at !== null || linkExpiresAt!.getTime() <= now.getTime()) {
        throw new ScimError(401, UNKNOWN);
      }
      const expiresAt = sessionExpiry(now, linkExpiresAt);
      await this.sessions.insert(tx, {
        ...base,
        role: 'tenantAdmin',
        tenantId: link.tenant_id,
        setupLinkId: link.id,
        expiresAt,
      });
      await this.links.markUsed(tx, link.id, now);
      return {
        sessionId,
        view: this.view({
          role: 'tenantAdmin',
          tenantId: link.tenant_id,
          tenantName: link.tenant_name,
          csrfToken,
          expiresAt,
        }),
      };
    });
    await this.prune();
    return signedIn;
  }

  /**
   * Deletes ended sessions, after a sign-in and outside its transaction (never holding the link while
   * it scans). Housekeeping only: an ended session is refused whether its row is there or not.
   */
  private async prune(): Promise<void> {
    try {
      await this.db.systemStatement((tx) => this.sessions.prune(tx, this.idleMinutes));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete ended console sessions');
    }
  }

  /** The live session a cookie names (its idle clock restarted), or undefined. */
  async find(sessionId: string): Promise<LiveSession | undefined> {
    const row = await this.db.systemStatement((tx) =>
      this.sessions.touch(tx, hashHex(sessionId), this.idleMinutes),
    );
    return row ? this.live(row) : undefined;
  }

  async signOut(sessionId: string): Promise<void> {
    await this.db.systemStatement((tx) => this.sessions.delete(tx, hashHex(sessionId)));
  }

  /** Whether `presented` is the session's CSRF token (constant time). */
  csrfMatches(session: LiveSession, presented: string | string[] | undefined): boolean {
    if (typeof presented !== 'string') return false;
    return timingSafeEqual(sha256(presented), sha256(session.view.csrfToken));
  }

  private live(row: ConsoleSessionRow): LiveSession {
    const role = row.role as ConsoleRole;
    return {
      view: this.view({
        role,
        ...(row.tenant_id ? { tenantId: row.tenant_id } : {}),
        ...(row.tenant_name ? { tenantName: row.tenant_name } : {}),
        csrfToken: row.csrf_token,
        expiresAt: new Date(isoTimestamp(row.expires_at)),
      }),
      ...(row.setup_link_id ? { setupLinkId: row.setup_link_id } : {}),
    };
  }

  private view(session: {
    role: ConsoleRole;
    tenantId?: string;
    tenantName?: string;
    csrfToken: string;
    expiresAt: Date;
  }): ConsoleSessionView {
    return {
      role: session.role,
      ...(session.tenantId ? { tenantId: session.tenantId } : {}),
      ...(session.tenantName !== undefined ? { tenantName: session.tenantName } : {}),
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt.toISOString(),
      idleTimeoutMinutes: this.idleMinutes,
    };
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function hashHex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
