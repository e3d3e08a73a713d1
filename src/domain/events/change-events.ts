/**
 * The events of one SCIM write, from the stored form before and after it (docs/events.md). Pure: the
 * services call it with what they are about to write, and the outbox row travels with the write.
 *
 * - user.created / group.created: `before` undefined.
 * - user.updated / group.updated: anything changed, with the names of the changed attributes (the
 *   audit trail's names: compareResources); nothing changed, no event.
 * - user.deactivated / user.reactivated: `active` went from true to false / false to true (an absent
 *   `active` is true: the stored default), after the user.updated of the same write.
 * - user.role_changed: the team role (userType: Admin, Editor or Viewer; none is Viewer) changed.
 * - user.deleted / group.deleted: `after` undefined; the payload names the resource only.
 * Group members are not part of these payloads: membership changes are group.member_added /
 * group.member_removed events, written by the membership statements themselves (one per member).
 */
import { compareResources } from '../schema/changes.js';
import { DEFAULT_USER_TYPE } from '../schema/core-user.schema.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { ResourceTypeName, ScimResource } from '../schema/types.js';
import { EVENT_PAYLOAD_VERSION, type EventDraft, type EventType } from './event-types.js';

/** The resource as an event carries it: the SCIM representation without timestamps or location. */
export function eventResource(
  resourceType: ResourceTypeName,
  id: string,
  stored: ScimResource,
  version: number,
): ScimResource {
  const { schemas, members: _members, password: _password, ...attributes } = stored;
  return { schemas, id, ...attributes, meta: { resourceType, version: `W/"${version}"` } };
}

/**
 * The events of a write to one user. `version` is the version the row has after the write (1 for a
 * create, the old one plus one for an update); unused for a deletion.
 */
export function userEvents(
  registry: SchemaRegistry,
  id: string,
  before: ScimResource | undefined,
  after: ScimResource | undefined,
  version: number,
): EventDraft[] {
  return resourceEvents(registry, 'User', id, before, after, version, (previous, next) => {
    const events: EventDraft[] = [];
    const resource = eventResource('User', id, next, version);
    if (isActive(previous) !== isActive(next)) {
      events.push(draft(isActive(next) ? 'user.reactivated' : 'user.deactivated', 'User', id, { resource }));
    }
    const [from, to] = [roleOf(previous), roleOf(next)];
    if (from !== to) events.push(draft('user.role_changed', 'User', id, { resource, role: { from, to } }));
    return events;
  });
}

/** The events of a write to one group's own attributes (members are events of their own). */
export function groupEvents(
  registry: SchemaRegistry,
  id: string,
  before: ScimResource | undefined,
  after: ScimResource | undefined,
  version: number,
): EventDraft[] {
  return resourceEvents(registry, 'Group', id, before, after, version, () => []);
}

function resourceEvents(
  registry: SchemaRegistry,
  resourceType: 'User' | 'Group',
  id: string,
  before: ScimResource | undefined,
  after: ScimResource | undefined,
  version: number,
  transitions: (before: ScimResource, after: ScimResource) => EventDraft[],
): EventDraft[] {
  const prefix = resourceType === 'User' ? 'user' : 'group';
  if (after === undefined) {
    if (before === undefined) return [];
    return [
      draft(`${prefix}.deleted`, resourceType, id, { resource: deletedResource(resourceType, id, before) }),
    ];
  }
  const stored = withoutMembers(after);
  if (before === undefined) {
    return [
      draft(`${prefix}.created`, resourceType, id, {
        resource: eventResource(resourceType, id, stored, version),
      }),
    ];
  }
  const previous = withoutMembers(before);
  const { changed, changedAttributes } = compareResources(registry, resourceType, previous, stored);
  if (!changed) return [];
  return [
    draft(`${prefix}.updated`, resourceType, id, {
      resource: eventResource(resourceType, id, stored, version),
      changedAttributes,
    }),
    ...transitions(previous, stored),
  ];
}

/** What a deletion event names: the id, the name and the externalId (null when there was none). */
function deletedResource(resourceType: 'User' | 'Group', id: string, before: ScimResource): ScimResource {
  const name = resourceType === 'User' ? 'userName' : 'displayName';
  return {
    id,
    [name]: before[name] ?? null,
    externalId: before.externalId ?? null,
    meta: { resourceType },
  };
}

function draft(
  type: EventType,
  resourceType: 'User' | 'Group',
  resourceId: string,
  fields: Record<string, unknown>,
): EventDraft {
  return { type, resourceType, resourceId, data: { version: EVENT_PAYLOAD_VERSION, ...fields } };
}

function withoutMembers(resource: ScimResource): ScimResource {
  const { members: _members, password: _password, ...rest } = resource;
  return rest;
}

/** `active` is true unless it is false (an absent `active` is stored as true). */
function isActive(resource: ScimResource): boolean {
  return resource.active !== false;
}

/** The team role a user has: its userType, Viewer when it has none. */
function roleOf(resource: ScimResource): string {
  return typeof resource.userType === 'string' ? resource.userType : DEFAULT_USER_TYPE;
}
