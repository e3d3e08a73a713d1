import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { ListQuery } from '../../domain/list/list-query.js';
import {
  applyPatch,
  memberValuesNamedBy,
  memberValuesOfBody,
  parsePatchRequest,
  type MemberOp,
  type MemberRef,
  type PatchOperation,
} from '../../domain/patch/engine.js';
import {
  ALL_ATTRIBUTES,
  includesAttribute,
  parseProjection,
  project,
  type Projection,
} from '../../domain/project/attributes.js';
import { isMemberOnlyPatch, memberChangeSet, MemberRunReplay } from '../../domain/bulk/member-runs.js';
import { ScimError } from '../../domain/errors.js';
import { groupEvents } from '../../domain/events/change-events.js';
import { isUuid } from '../../domain/ids.js';
import { compareResources } from '../../domain/schema/changes.js';
import { validateResource } from '../../domain/schema/validate.js';
import type { ScimResource } from '../../domain/schema/types.js';
import { GROUP_SCHEMA } from '../../domain/schema/urns.js';
import { Database, type TenantTx } from '../../storage/database.js';
import { allInOrder } from '../../storage/pipeline.js';
import { GroupsRepository } from '../../storage/groups.repository.js';
import type { ResourceRow } from '../../storage/resource-rows.js';
import type { RowLock } from '../../storage/resource-table.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { auditEvent } from '../audit/audit-event.js';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import { EventsService } from '../events/events.service.js';
import {
  MEMBER_DELETE,
  MEMBERSHIP_WRITE,
  MembershipsService,
  type MemberRow,
  type MemberRunEvent,
  type LockedMembers,
  type MemberType,
} from '../memberships/memberships.service.js';
import { scimRegistry } from '../scim/scim-registry.js';
import {
  assertIfMatch,
  listOfRows,
  locationOf,
  once,
  prepend,
  toScimResource,
  type ReadResult,
  type RequestScope,
} from '../scim-http/index.js';

/**
 * A PATCH answer leaves `members` out unless the request names attributes: Entra and Okta PATCH one
 * member at a time, and sending back 100k members each time would cost what the change saved.
 */
export const PATCH_DEFAULT_PROJECTION: Projection = parseProjection(scimRegistry, 'Group', {
  excludedAttributes: 'members',
});

/**
 * One PATCH of a run of member PATCHes (patchMemberRun): the scope it is audited and evented as (its
 * own request id), its body and If-Match; or the error it already failed with (an unresolved bulkId).
 */
export interface MemberPatch {
  scope: RequestScope;
  body?: unknown;
  /** The body already read (parsePatchRequest), when the caller has it. */
  operations?: PatchOperation[];
  ifMatch?: string;
  error?: unknown;
}

/** A PATCH of a run as read before the transaction: the error that stops it there, or its change set (or the error of that, answered after the group's 404 and 412 as `patch` does). */
type PreparedMemberPatch =
  { error: unknown } | { changes: { memberOps: MemberOp[]; dialects: string[] } | ScimError };

/**
 * Thrown by patchMemberRun, before it writes anything, for a group whose stored form a PATCH would
 * rewrite besides its members (stored before a change of the schema's rules): its PATCHes are then
 * no member-only change, and are to be run one by one.
 */
export class MemberRunRefused extends Error {
  constructor(readonly groupId: string) {
    super(`group ${groupId}: its PATCHes would rewrite it; run them one by one`);
  }
}

/** What one PATCH of a run did: the group's version after it (as its single request answers), or its error. */
export type MemberPatchOutcome = { version: number } | { error: unknown };

/** SCIM Groups (RFC 7644 §3) on scim_group; members are rows of scim_membership. */
@Injectable()
export class GroupsService {
  private readonly logger = new Logger(GroupsService.name);

  constructor(
    private readonly db: Database,
    private readonly groups: GroupsRepository,
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
    const { resource, dialects } = validateResource(scimRegistry, 'Group', body, 'create');
    this.noteDialects(dialects);
    const { stored, members } = splitMembers(resource);
    const id = randomUUID();
    return this.db.transaction(
      scope.tenant.tenantId,
      async (tx) => {
        const held = this.tenants.holdForWrite(tx);
        // group.created (appended by the INSERT) comes before the group.member_added events of its members.
        const events = this.events.appendedTo(tx, scope, groupEvents(scimRegistry, id, undefined, stored, 1));
        const inserted = this.groups.insert(tx, id, stored, events);
        if (members.length > 0) {
          await allInOrder(held, inserted);
          await this.memberships.replace(tx, id, members, this.events.causeOf(scope));
        }
        const attributes = compareResources(scimRegistry, 'Group', undefined, stored).changedAttributes;
        const audited = this.audit.record(
          tx,
          auditEvent(
            scope,
            'create',
            'Group',
            id,
            members.length > 0 ? [...attributes, 'members'] : attributes,
          ),
        );
        const row = allInOrder(held, inserted, audited).then(([, inserted]) => inserted);
        return this.present(tx, scope, id, row, projection);
      },
      MEMBERSHIP_WRITE,
    );
  }

  /**
   * One group. Its members, when asked for whole, are streamed from one cursor-backed query: a
   * 100k-member group is never loaded into memory at once.
   */
  async get(scope: RequestScope, id: string, projection: Projection = ALL_ATTRIBUTES): Promise<ReadResult> {
    const streamMembers =
      includesAttribute(scimRegistry, projection, 'Group', 'members') && wantsWholeMembers(projection);
    const { row, resource } = await this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const found = this.groups.find(tx, id);
      if (streamMembers) {
        tx.commit();
        return { row: await found, resource: undefined };
      }
      const presented = this.present(tx, scope, id, found, projection);
      const [row, resource] = await allInOrder(found, presented);
      return { row, resource };
    });
    if (resource) return { resource, version: row.version };
    // The stream runs on a connection of its own, after this transaction has given its connection back.
    const withoutMembers = project(
      scimRegistry,
      'Group',
      toScimResource('Group', row, scope.baseUrl),
      projection,
    );
    const chunks = this.memberships.streamMembers(scope.tenant.tenantId, id);
    // The cursor holds a pooled connection until it is returned: `close` is the one way to do it,
    // whether the members were read to the end, in part (client gone) or not at all (304, HEAD).
    const close = once(() => chunks.return(undefined));
    const first = await chunks.next();
    if (first.done || first.value.length === 0) {
      await close();
      return { resource: withoutMembers, version: row.version };
    }
    const refs = async function* () {
      for await (const rows of prepend(first.value, chunks)) yield memberRefs(scope, rows);
    };
    return {
      resource: withoutMembers,
      version: row.version,
      streamed: { name: 'members', chunks: refs(), close },
    };
  }

  /** One page: the groups, the total (index paging) and, when asked for, their members in one statement. */
  async list(scope: RequestScope, query: ListQuery): Promise<ScimResource> {
    const members = includesAttribute(scimRegistry, query.projection, 'Group', 'members');
    // One statement, COMMIT sent behind it: one round trip.
    const page = await this.db.transaction(scope.tenant.tenantId, (tx) => {
      const listed = this.groups.list(tx, query, scimRegistry, { members });
      tx.commit();
      return listed;
    });
    return listOfRows(scimRegistry, 'Group', page, scope.baseUrl, query.projection, (row) =>
      members ? { members: memberRefs(scope, row.related.members) } : {},
    );
  }

  /** PUT (RFC 7644 §3.5.1): the member list becomes exactly the one sent; only differing rows change. */
  async replace(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection = ALL_ATTRIBUTES,
  ) {
    // Members the body names, known before it is validated: locked before the group (membersThenGroup).
    const named = memberValuesOfBody(body);
    return this.db.transaction(
      scope.tenant.tenantId,
      async (tx) => {
        const [row, locked] = await this.membersThenGroup(tx, id, named, 'update', ifMatch);
        const { resource, dialects } = validateResource(scimRegistry, 'Group', body, 'replace', row.data);
        this.noteDialects(dialects);
        const { stored, members } = splitMembers(resource);
        const membersChanged = await this.memberships.replace(
          tx,
          id,
          members,
          this.events.causeOf(scope),
          locked,
        );
        const { changed, changedAttributes: attributes } = compareResources(
          scimRegistry,
          'Group',
          row.data,
          stored,
        );
        return this.save(
          tx,
          scope,
          row,
          changed ? stored : undefined,
          membersChanged,
          auditEvent(scope, 'replace', 'Group', id, membersChanged ? [...attributes, 'members'] : attributes),
          projection,
        );
      },
      MEMBERSHIP_WRITE,
    );
  }

  /** PATCH (RFC 7644 §3.5.2): member operations touch only the rows they name. */
  async patch(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection = PATCH_DEFAULT_PROJECTION,
  ) {
    const operations = parsePatchRequest(body);
    // Members the request may add, known before the group is read: locked in the group's round trip.
    const candidates = memberValuesNamedBy(operations);
    // A PATCH that only adds or removes members (what Okta and Entra send), without If-Match, locks
    // the group in its last round trip, not its first: see `lockLate`.
    const late = ifMatch === undefined && isMemberOnlyPatch(operations);
    return this.db.transaction(
      scope.tenant.tenantId,
      async (tx) => {
        const [row, locked] = await this.membersThenGroup(
          tx,
          id,
          candidates,
          late ? undefined : 'update',
          ifMatch,
        );
        const result = applyPatch(scimRegistry, 'Group', row.data, operations, { id });
        this.noteDialects(result.dialects);
        // Issued before the change set's statements: the group is locked before its membership rows.
        const lockedLate = late ? this.lockLate(tx, id) : undefined;
        // The change set, the version bump, the audit row and COMMIT then go in one round trip; the bump
        // and the audit row only happen if a membership row changed (MEMBERS_CHANGED).
        const typeOf = await this.memberships.resolve(tx, id, result.memberOps, locked);
        const membersChanged =
          result.memberOps.length > 0
            ? this.memberships.issue(tx, id, result.memberOps, typeOf, this.events.causeOf(scope))
            : false;
        const saved = this.save(
          tx,
          scope,
          row,
          result.changed ? result.resource : undefined,
          membersChanged,
          auditEvent(scope, 'patch', 'Group', id, result.changedAttributes),
          projection,
        );
        // A group deleted since it was read is this PATCH's 404, not the error of a row written for it.
        return lockedLate ? (await allInOrder(lockedLate, saved))[1] : saved;
      },
      MEMBERSHIP_WRITE,
    );
  }

  /**
   * A Bulk request's run of PATCHes that only add or remove members of group `id` (domain/bulk/
   * member-runs.ts), in ONE transaction: the group locked once, the members they add locked and the
   * memberships they name read in that round trip, then each PATCH checked and replayed in order exactly
   * as `patch` would run it alone (its If-Match against the version the ones before it left, its 400s,
   * a member already there no change), and one round trip for all the writes: the net membership change
   * with every operation's events (its own request id), the version bumped once per PATCH that changed a
   * row, their audit rows, COMMIT. Answers the PATCHes in order up to the one whose error makes
   * `maxErrors` (failOnErrors); the ones after it are not run. A failure that is no ScimError (the
   * database) fails the whole run: it is thrown, and nothing of the run is written.
   */
  async patchMemberRun(
    scope: RequestScope,
    id: string,
    patches: readonly MemberPatch[],
    maxErrors = Infinity,
  ): Promise<MemberPatchOutcome[]> {
    // Read before the transaction, as `patch` does: a malformed body is its 400 whatever the group.
    // A change set is pure (memberChangeSet): computed here too, its error answered in its turn.
    const prepared = patches.map((patch): PreparedMemberPatch => {
      if (patch.error !== undefined) return { error: patch.error };
      try {
        const operations = patch.operations ?? parsePatchRequest(patch.body);
        if (!isMemberOnlyPatch(operations)) throw new Error('a member run takes member-only PATCHes');
        try {
          return { changes: memberChangeSet(scimRegistry, operations) };
        } catch (error) {
          if (error instanceof ScimError) return { changes: error };
          throw error;
        }
      } catch (error) {
        if (error instanceof ScimError) return { error };
        throw error;
      }
    });
    const changeSets = prepared.flatMap((p) =>
      'changes' in p && !(p.changes instanceof ScimError) ? [p.changes.memberOps] : [],
    );
    const candidates = new Set<string>();
    const named = new Set<string>();
    for (const op of changeSets.flat()) {
      if (op.kind === 'add')
        for (const member of op.members) {
          candidates.add(member.value);
          named.add(member.value);
        }
      else if (op.kind === 'remove') op.ids.forEach((member) => named.add(member));
    }
    return this.db.transaction(
      scope.tenant.tenantId,
      async (tx) => {
        // As membersThenGroup, and the memberships the run names (after the group: membersAmong).
        const [, locked, found, present] = await allInOrder(
          this.tenants.holdForWrite(tx),
          this.memberships.lockCandidates(tx, [...candidates]),
          this.groups.find(tx, id, 'update').catch((error: unknown) => {
            if (error instanceof ScimError) return error;
            throw error;
          }),
          isUuid(id)
            ? this.memberships.membersAmong(tx, id, [...named])
            : Promise.resolve(new Map<string, MemberType>()),
        );
        const outcomes: MemberPatchOutcome[] = [];
        let errors = 0;
        const fail = (error: unknown) => {
          outcomes.push({ error });
          errors++;
        };
        if (found instanceof ScimError) {
          for (const p of prepared) {
            if (errors >= maxErrors) break;
            fail('error' in p ? p.error : found);
          }
          return outcomes;
        }
        // What applyPatch does with the group itself is the same for every PATCH of the run: done once.
        let unchanged: ScimError | undefined;
        try {
          if (applyPatch(scimRegistry, 'Group', found.data, [], { id }).changed)
            throw new MemberRunRefused(id);
        } catch (error) {
          if (!(error instanceof ScimError)) throw error;
          unchanged = error;
        }
        const types = new Map(present);
        const replay = new MemberRunReplay(present.keys());
        const audits: AuditEventInput[] = [];
        const events: MemberRunEvent[] = [];
        let version = found.version;
        for (const [i, p] of prepared.entries()) {
          if (errors >= maxErrors) break;
          if ('error' in p) {
            fail(p.error);
            continue;
          }
          try {
            assertIfMatch(patches[i].ifMatch, version);
            if (p.changes instanceof ScimError) throw p.changes;
            this.noteDialects(p.changes.dialects);
            if (unchanged) throw unchanged;
            const typeOf = await this.memberships.resolve(tx, id, p.changes.memberOps, locked);
            typeOf.forEach((type, member) => types.set(member, type));
            const { added, removed } = replay.apply(p.changes.memberOps);
            if (added.length + removed.length > 0) {
              version++;
              const opScope = patches[i].scope;
              audits.push(auditEvent(opScope, 'patch', 'Group', id, ['members']));
              const requestId = opScope.tenant.requestId;
              const changes = [
                [added, 'group.member_added'],
                [removed, 'group.member_removed'],
              ] as const;
              for (const [members, type] of changes)
                for (const member of members)
                  events.push({ memberId: member, memberType: types.get(member)!, type, requestId });
            }
            outcomes.push({ version });
          } catch (error) {
            if (!(error instanceof ScimError)) throw error;
            fail(error);
          }
        }
        if (audits.length > 0) {
          const net = replay.net();
          const change = {
            removed: net.removed,
            added: net.added.map((member) => ({ id: member, type: types.get(member)! })),
          };
          const applied = this.memberships.applyRun(tx, id, change, events, scope.tenant.apiKeyId);
          const touched = this.groups.touch(tx, id, audits.length);
          const audited = this.audit.recordMany(tx, audits);
          tx.commit();
          await allInOrder(applied, touched, audited);
        }
        return outcomes;
      },
      MEMBERSHIP_WRITE,
    );
  }

  async delete(scope: RequestScope, id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(
      scope.tenant.tenantId,
      async (tx) => {
        // FOR UPDATE waits for writes naming this group as a member (FOR KEY SHARE), so the removal
        // below sees their rows; later ones wait for this and then find no such member.
        const row = await this.lockForDelete(tx, id, ifMatch);
        // Its own member rows cascade (group.deleted says it all); its rows as a member of other groups
        // do not, and each removal is a group.member_removed event of that group, whose row is locked
        // after this one's (removeEverywhere): a member before its group, as every write takes them.
        const removed = this.memberships.removeEverywhere(tx, id, this.events.causeOf(scope));
        const deleted = this.groups.delete(tx, id);
        const audited = this.audit.record(tx, auditEvent(scope, 'delete', 'Group', id, []));
        const evented = this.events.record(tx, scope, groupEvents(scimRegistry, id, row.data, undefined, 0));
        tx.commit();
        await allInOrder(removed, deleted, audited, evented);
      },
      MEMBER_DELETE,
    );
  }

  /**
   * The first round trip of a write that may add members (PUT, PATCH): the tenant held, the members it
   * names locked (FOR KEY SHARE: lockCandidates), then the group's row, locked with `lock` (or only
   * read: lockLate) and at the version If-Match names (412 otherwise). Members before their group is
   * the order of every write that takes both, a DELETE of a member included (the member FOR UPDATE,
   * then its groups: MembershipsService.removeEverywhere): a write that took the group first would wait
   * for a member that such a DELETE holds while the DELETE waits for the group.
   */
  private async membersThenGroup(
    tx: TenantTx,
    id: string,
    candidates: readonly string[],
    lock: RowLock | undefined,
    ifMatch: string | undefined,
  ): Promise<[ResourceRow, LockedMembers]> {
    const [, locked, row] = await allInOrder(
      this.tenants.holdForWrite(tx),
      this.memberships.lockCandidates(tx, candidates),
      this.groups.find(tx, id, lock),
    );
    assertIfMatch(ifMatch, row.version);
    return [row, locked];
  }

  /**
   * The group's row lock taken in the last round trip of a member-only PATCH without If-Match, issued
   * before its membership statements. The lock serializes the writes to one group (its version, its
   * events' order), and every PATCH of the group waits for it: taken in the first round trip, it was
   * held while the answer travelled to the server and the server worked out the change set, a wait that
   * grows with the server's load; taken here it is held for one round trip's statements and COMMIT.
   * Nothing the change set does depends on the row read before (a member-only PATCH changes nothing
   * but memberships, isMemberOnlyPatch), and with no If-Match no version is checked. A group deleted
   * in between is found missing here and the PATCH answers 404: its statements change nothing without
   * the group (a membership row for it fails its foreign key, and then the transaction rolls back).
   */
  private lockLate(tx: TenantTx, id: string): Promise<ResourceRow> {
    return this.groups.find(tx, id, 'update');
  }

  /**
   * The row a DELETE is about to remove (membersThenGroup, naming no member): the tenant held, then the
   * row locked FOR UPDATE, still at the version If-Match names (412 otherwise).
   */
  private async lockForDelete(tx: TenantTx, id: string, ifMatch: string | undefined): Promise<ResourceRow> {
    const [row] = await this.membersThenGroup(tx, id, [], 'delete', ifMatch);
    return row;
  }

  /**
   * The last round trip of a PUT or PATCH: the row updated (`stored`), or only its version bumped when
   * membership alone changed, its audit row, the members when projected, and COMMIT, sent together.
   * `membersChanged` is known (PUT) or the pending outcome of membership changes sent just before
   * (PATCH): then the bump and the audit row are conditional in SQL. Nothing changed: no write, no
   * audit, the version kept.
   */
  private async save(
    tx: TenantTx,
    scope: RequestScope,
    row: ResourceRow,
    stored: ScimResource | undefined,
    membersChanged: boolean | Promise<boolean>,
    event: AuditEventInput,
    projection: Projection,
  ): Promise<ScimResource> {
    const pending = typeof membersChanged !== 'boolean';
    let saved: Promise<ResourceRow> = Promise.resolve(row);
    let audited: Promise<void> = Promise.resolve();
    if (stored) {
      // The update bumps the version by one and appends its events; member changes are events of
      // their own statements.
      const events = groupEvents(scimRegistry, row.id, row.data, stored, row.version + 1);
      saved = this.groups.update(tx, row.id, stored, this.events.appendedTo(tx, scope, events));
      audited = this.audit.record(tx, event);
    } else if (pending) {
      saved = this.groups.touchIfMembersChanged(tx, row.id).then((touched) => touched ?? row);
      audited = this.audit.record(tx, event, { ifMembersChanged: true });
    } else if (membersChanged) {
      saved = this.groups.touch(tx, row.id);
      audited = this.audit.record(tx, event);
    }
    const presented = this.present(tx, scope, row.id, saved, projection);
    const [, , resource] = await allInOrder(Promise.resolve(membersChanged), audited, presented);
    return resource;
  }

  /**
   * The row as a SCIM Group, its members read when projected. Sends COMMIT behind the statements: the
   * last step of every transaction that answers with a group.
   */
  private async present(
    tx: TenantTx,
    scope: RequestScope,
    id: string,
    found: ResourceRow | Promise<ResourceRow>,
    projection: Projection,
  ): Promise<ScimResource> {
    const withMembers = includesAttribute(scimRegistry, projection, 'Group', 'members');
    const members = withMembers ? this.memberships.membersOf(tx, [id]) : Promise.resolve(undefined);
    tx.commit();
    const [row, byGroup] = await allInOrder(Promise.resolve(found), members);
    const related = byGroup ? { members: memberRefs(scope, byGroup.get(id)) } : {};
    return project(scimRegistry, 'Group', toScimResource('Group', row, scope.baseUrl, related), projection);
  }

  private noteDialects(dialects: readonly string[]): void {
    if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
  }
}

/** members named without sub-attributes (or not excluded at all): each member goes out whole. */
function wantsWholeMembers(projection: Projection): boolean {
  const named = projection.named.get(GROUP_SCHEMA)?.get('members');
  if (projection.mode === 'include') return named === 'whole';
  return named === undefined;
}

function splitMembers(resource: ScimResource): { stored: ScimResource; members: MemberRef[] } {
  const { members, ...stored } = resource;
  return { stored, members: Array.isArray(members) ? (members as MemberRef[]) : [] };
}

function memberRefs(scope: RequestScope, rows: Pick<MemberRow, 'value' | 'type' | 'display'>[] = []) {
  return rows.map((member) => ({
    value: member.value,
    $ref: locationOf(scope.baseUrl, member.type, member.value),
    ...(member.display ? { display: member.display } : {}),
    type: member.type,
  }));
}
