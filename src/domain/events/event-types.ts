/**
 * The change events of docs/events.md: what a SCIM write tells the product. The payload (`data`) is
 * the public contract, versioned by its `version` field: a change that could break a reader is a new
 * version, announced in the docs; fields may be added within a version.
 */
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.role_changed',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The payload version every event written today carries (`data.version`). */
export const EVENT_PAYLOAD_VERSION = 1;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** One event a write appends, before the outbox gives it an id, a position and a time. */
export interface EventDraft {
  type: EventType;
  resourceType: 'User' | 'Group';
  resourceId: string;
  data: Record<string, unknown>;
}
