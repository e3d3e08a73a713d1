import { Migration } from '@mikro-orm/migrations';

/** The event types and resource types the dropped checks allowed (Migration20261201150837_ChangeEvents). */
const CHANGE_EVENT_TYPES = [
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
];

/**
 * change_event loses its two CHECK constraints (`type` in the catalogue, `resource_type` User or
 * Group), for what they cost every write that appends events (docs/benchmarks.md, "The outbox"):
 * PostgreSQL keeps a CHECK constraint as the text of its expression and reads it back into a tree at
 * every statement that inserts into the table (ExecConstraints → stringToNode, seen in a profile);
 * the catalogue of eleven types is 2.6 kB of it. Measured on one connection running membership
 * add + remove pairs as a PATCH does (three runs each): 0.90 ms of backend CPU per pair with the
 * checks, 0.79 without, where events on add about 0.43 to the 0.47 of events off: a quarter of it.
 *
 * What they guarded is guarded where the rows come from: the only writers are EventsRepository's
 * statements, whose types are the `EventType` union (domain/events/event-types.ts) or constants, and
 * every events API answer in the tests is validated against the OpenAPI document, whose `type` is that
 * catalogue (an unknown type fails the contract). Dropping a constraint is compatible with the code
 * before it (expand-only).
 */
export class Migration20261201235000_ChangeEventTypesUnchecked extends Migration {
  override name = 'Migration20261201235000_ChangeEventTypesUnchecked';

  override up(): void | Promise<void> {
    this.addSql(`alter table "change_event" drop constraint "change_event_type_check";`);
    this.addSql(`alter table "change_event" drop constraint "change_event_resource_type_check";`);
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "change_event" add constraint "change_event_type_check" check ("type" in (${CHANGE_EVENT_TYPES.map((type) => `'${type}'`).join(', ')}));`,
    );
    this.addSql(
      `alter table "change_event" add constraint "change_event_resource_type_check" check ("resource_type" in ('User', 'Group'));`,
    );
  }
}
