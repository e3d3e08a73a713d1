import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { ListQuery } from '../../domain/list/list-query.js';
import { applyPatch, parsePatchRequest } from '../../domain/patch/engine.js';
import {
  ALL_ATTRIBUTES,
  includesAttribute,
  project,
  type Projection,
} from '../../domain/project/attributes.js';
import { ScimError } from '../../domain/errors.js';
import { userEvents } from '../../domain/events/change-events.js';
import type { EventDraft } from '../../domain/events/event-types.js';
import { compareResources } from '../../domain/schema/changes.js';
import { validateResource } from '../../domain/schema/validate.js';
import type { ScimResource } from '../../domain/schema/types.js';
import { Database, type TenantTx } from '../../storage/database.js';
import { allInOrder } from '../../storage/pipeline.js';
import type { ResourceRow } from '../../storage/resource-rows.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { userNameTaken, UsersRepository } from '../../storage/users.repository.js';
import type { ListedGroup } from '../../storage/resource-list.js';
import { auditEvent } from '../audit/audit-event.js';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import { EventsService } from '../events/events.service.js';
import { MEMBER_DELETE, MembershipsService } from '../memberships/memberships.service.js';
import { scimRegistry } from '../scim/scim-registry.js';
import {
  assertIfMatch,
  listOfRows,
  locationOf,
  toScimResource,
  type ReadResult,
  type RequestScope,
} from '../scim-http/index.js';

/** SCIM Users (RFC 7644 §3) on scim_user: every statement runs in the caller's tenant's transaction. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly db: Database,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsService,
    private readonly audit: AuditService,
    private readonly events: EventsService,
  ) {}

  async create(
    scope: RequestScope,
    body: unknown,
    projection: Projection = ALL_ATTRIBUTES,
  ): Promise<ScimResource> {
    const { resource, ignored, dialects } = validateResource(scimRegistry, 'User', body, 'create');
    this.noteIgnored(ignored);
    this.noteDialects(dialects);
    const stored = withoutPassword(resource);
    const id = randomUUID();
    const attributes = compareResources(scimRegistry, 'User', undefined, stored).changedAttributes;
    // One round trip: the tenant held, the row inserted with its event (one statement), its audit row,
    // COMMIT, sent together.
    const row = await this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const held = this.tenants.holdForWrite(tx);
      const events = this.events.appendedTo(tx, scope, userEvents(scimRegistry, id, undefined, stored, 1));
      const inserted = this.users.insert(tx, id, stored, events);
      const audited = this.audit.record(tx, auditEvent(scope, 'create', 'User', id, attributes));
      tx.commit();
      return (await allInOrder(held, inserted, audited))[1];
    });
    return project(
      scimRegistry,
      'User',
      toScimResource('User', row, scope.baseUrl, { groups: [] }),
      projection,
    );
  }

  /**
   * A Bulk's run of user creates (domain/bulk/create-runs.ts) in one transaction: the tenant held
   * once, one INSERT of all the users, one of their audit rows, one of their events. Each create
   * keeps what it gets sent alone (`create`): its 400 from the same validation, computed before any
   * statement; its 409 when its userName is taken, by a user already there or by an earlier create of
   * the run (ON CONFLICT DO NOTHING, so the others still succeed); its audit row and events, under its
   * own scope's request id. Answers the creates run, in order, up to the one that makes `maxErrors`
   * errors (failOnErrors): a create after it is not run (its row, inserted by the one statement, is
   * deleted again before anything else is written). Any other failure throws, nothing written.
   */
  async createRun(
    scope: RequestScope,
    creates: readonly { scope: RequestScope; body: unknown }[],
    maxErrors = Infinity,
  ): Promise<UserCreateOutcome[]> {
    const prepared: ({ error: ScimError } | { id: string; stored: ScimResource; attributes: string[] })[] =
      [];
    let invalid = 0;
    for (const { body } of creates) {
      if (invalid >= maxErrors) break;
      try {
        const { resource, ignored, dialects } = validateResource(scimRegistry, 'User', body, 'create');
        this.noteIgnored(ignored);
        this.noteDialects(dialects);
        const stored = withoutPassword(resource);
        const attributes = compareResources(scimRegistry, 'User', undefined, stored).changedAttributes;
        prepared.push({ id: randomUUID(), stored, attributes });
      } catch (error) {
        if (!(error instanceof ScimError)) throw error;
        prepared.push({ error });
        invalid++;
      }
    }
    const valid = prepared.flatMap((p) => ('error' in p ? [] : [p]));
    if (valid.length === 0) return prepared.map((p) => ({ error: 'error' in p ? p.error : undefined }));
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const held = this.tenants.holdForWrite(tx);
      const inserted = this.users.insertMany(tx, valid);
      const [, rows] = await allInOrder(held, inserted);
      const created = new Map(rows.map((row) => [row.id, row]));
      const outcomes: UserCreateOutcome[] = [];
      const audits: AuditEventInput[] = [];
      const events: (EventDraft & { requestId: string })[] = [];
      let errors = 0;
      for (const [k, p] of prepared.entries()) {
        if (errors >= maxErrors) break;
        if ('error' in p) {
          outcomes.push({ error: p.error });
          errors++;
          continue;
        }
        const row = created.get(p.id);
        if (!row) {
          outcomes.push({ error: userNameTaken(p.stored) });
          errors++;
          continue;
        }
        const opScope = creates[k].scope;
        outcomes.push({ id: row.id, version: row.version });
        audits.push(auditEvent(opScope, 'create', 'User', row.id, p.attributes));
        const requestId = opScope.tenant.requestId;
        for (const event of userEvents(scimRegistry, row.id, undefined, p.stored, 1))
          events.push({ ...event, requestId });
      }
      // Stopped by failOnErrors: the creates after the stop were inserted by the one statement.
      const answered = new Set(outcomes.flatMap((o) => ('id' in o ? [o.id] : [])));
      const removed = this.users.deleteMany(
        tx,
        rows.filter((row) => !answered.has(row.id)).map((row) => row.id),
      );
      const audited = this.audit.recordMany(tx, audits);
      // Each event carries its create's request id; `scope` is the run's (the tenant's transaction).
      const evented = this.events.record(tx, scope, events);
      tx.commit();
      await allInOrder(removed, audited, evented);
      return outcomes;
    });
  }

  /** One user (with its groups when projected), in one statement and one round trip. */
  async get(scope: RequestScope, id: string, projection: Projection = ALL_ATTRIBUTES): Promise<ReadResult> {
    const withGroups = includesAttribute(scimRegistry, projection, 'User', 'groups');
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const found = withGroups ? this.users.findWithGroups(tx, id) : this.users.find(tx, id);
      tx.commit();
      const row = await found;
      const related = withGroups
        ? { groups: groupRefs(scope, (row as { groups?: ListedGroup[] }).groups) }
        : {};
      return {
        resource: project(
          scimRegistry,
          'User',
          toScimResource('User', row, scope.baseUrl, related),
          projection,
        ),
        version: row.version,
      };
    });
  }

  /** One page: the users, the total (index paging) and, when asked for, their groups in one statement. */
  async list(scope: RequestScope, query: ListQuery): Promise<ScimResource> {
    const groups = includesAttribute(scimRegistry, query.projection, 'User', 'groups');
    // One statement, COMMIT sent behind it: one round trip.
    const page = await this.db.transaction(scope.tenant.tenantId, (tx) => {
      const listed = this.users.list(tx, query, scimRegistry, { groups });
      tx.commit();
      return listed;
    });
    return listOfRows(scimRegistry, 'User', page, scope.baseUrl, query.projection, (row) =>
      groups ? { groups: groupRefs(scope, row.related.groups) } : {},
    );
  }

  /** PUT (RFC 7644 §3.5.1): replaces every writable attribute; readOnly ones in the body are ignored. */
  async replace(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection = ALL_ATTRIBUTES,
  ) {
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const row = await this.lockForWrite(tx, id, ifMatch);
      const { resource, ignored, dialects } = validateResource(
        scimRegistry,
        'User',
        body,
        'replace',
        row.data,
      );
      this.noteIgnored(ignored);
      this.noteDialects(dialects);
      const stored = withoutPassword(resource);
      const { changed, changedAttributes } = compareResources(scimRegistry, 'User', row.data, stored);
      return this.save(
        tx,
        scope,
        row,
        changed ? stored : undefined,
        'replace',
        changedAttributes,
        projection,
      );
    });
  }

  /** PATCH (RFC 7644 §3.5.2): all operations or none; an unchanged user keeps its version. */
  async patch(scope: RequestScope, id: string, body: unknown, ifMatch?: string, projection = ALL_ATTRIBUTES) {
    const operations = parsePatchRequest(body);
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const row = await this.lockForWrite(tx, id, ifMatch);
      const result = applyPatch(scimRegistry, 'User', row.data, operations, { id });
      this.noteDialects(result.dialects);
      // The engine decided what changed; the password it may carry is dropped, never stored (as on PUT).
      const changedAttributes = result.changedAttributes.filter((name) => name !== 'password');
      const changed = result.changed && changedAttributes.length > 0;
      return this.save(
        tx,
        scope,
        row,
        changed ? withoutPassword(result.resource) : undefined,
        'patch',
        changedAttributes,
        projection,
      );
    });
  }

  async delete(scope: RequestScope, id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(
      scope.tenant.tenantId,
      async (tx) => {
        // FOR UPDATE waits for writes adding this user to a group (they hold it FOR KEY SHARE), so the
        // removal below sees their rows; later ones wait for this and then find no such member. Its
        // groups are locked next (removeEverywhere): the member first, as every write takes them.
        const row = await this.lockForWrite(tx, id, ifMatch, 'delete');
        const removed = this.memberships.removeEverywhere(tx, id, this.events.causeOf(scope));
        const deleted = this.users.delete(tx, id);
        const audited = this.audit.record(tx, auditEvent(scope, 'delete', 'User', id, []));
        const evented = this.events.record(tx, scope, userEvents(scimRegistry, id, row.data, undefined, 0));
        tx.commit();
        await allInOrder(removed, deleted, audited, evented);
      },
      MEMBER_DELETE,
    );
  }

  /**
   * The row a write is about to change: the tenant, then the row, locked for the transaction (one
   * round trip, behind BEGIN and the scope); and still at the version If-Match names (412 otherwise).
   * `lock: 'delete'` for a DELETE.
   */
  private async lockForWrite(
    tx: TenantTx,
    id: string,
    ifMatch: string | undefined,
    lock: 'update' | 'delete' = 'update',
  ): Promise<ResourceRow> {
    const held = this.tenants.holdForWrite(tx);
    const found = this.users.find(tx, id, lock);
    const [, row] = await allInOrder(held, found);
    assertIfMatch(ifMatch, row.version);
    return row;
  }

  /**
   * The second and last round trip of a PUT or PATCH: the update with its events (one statement) and
   * its audit row when something changed (`stored`), the user's groups when projected, and COMMIT, sent
   * together.
   */
  private async save(
    tx: TenantTx,
    scope: RequestScope,
    row: ResourceRow,
    stored: ScimResource | undefined,
    operation: 'replace' | 'patch',
    changedAttributes: string[],
    projection: Projection,
  ): Promise<ScimResource> {
    // The update bumps the version by one.
    const updated = stored
      ? this.users.update(
          tx,
          row.id,
          stored,
          this.events.appendedTo(
            tx,
            scope,
            userEvents(scimRegistry, row.id, row.data, stored, row.version + 1),
          ),
        )
      : Promise.resolve(row);
    const audited = stored
      ? this.audit.record(tx, auditEvent(scope, operation, 'User', row.id, changedAttributes))
      : Promise.resolve();
    const withGroups = includesAttribute(scimRegistry, projection, 'User', 'groups');
    const groups = withGroups ? this.memberships.groupsOf(tx, [row.id]) : Promise.resolve(undefined);
    tx.commit();
    const [saved, , byMember] = await allInOrder(updated, audited, groups);
    const related = byMember ? { groups: groupRefs(scope, byMember.get(row.id)) } : {};
    return project(scimRegistry, 'User', toScimResource('User', saved, scope.baseUrl, related), projection);
  }

  private noteIgnored(ignored: string[]): void {
    if (ignored.length > 0) this.logger.debug({ ignored }, 'unknown attributes ignored');
  }

  private noteDialects(dialects: readonly string[]): void {
    if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
  }
}

/** What one create of a Bulk's run did (createRun): the user created, or its error. */
export type UserCreateOutcome = { id: string; version: number } | { error: unknown };

function groupRefs(scope: RequestScope, rows: { value: string; display: string }[] = []) {
  return rows.map((group) => ({
    value: group.value,
    $ref: locationOf(scope.baseUrl, 'Group', group.value),
    display: group.display,
    type: 'direct',
  }));
}

/** The password IdPs send on create is accepted and dropped: it is never stored or returned. */
function withoutPassword(resource: ScimResource): ScimResource {
  const { password: _password, ...rest } = resource;
  return rest;
}
