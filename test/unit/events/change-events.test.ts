import fc from 'fast-check';
import { groupEvents, userEvents } from '../../../src/domain/events/change-events.js';
import { decodeEventCursor, encodeEventCursor, isBefore } from '../../../src/domain/events/event-cursor.js';
import { EVENT_TYPES } from '../../../src/domain/events/event-types.js';
import { ScimError } from '../../../src/domain/errors.js';
import {
  ENTERPRISE_USER_SCHEMA as ENTERPRISE,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../src/domain/schema/urns.js';
import { registry } from '../registry.js';

const ID = '2819c223-7f76-453a-919d-413861904646';
const user = (extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName: 'bjensen@example.com',
  ...extra,
});
const group = (extra: Record<string, unknown> = {}) => ({
  schemas: [GROUP_SCHEMA],
  displayName: 'Tour Guides',
  ...extra,
});

const typesOf = (events: { type: string }[]) => events.map((event) => event.type);

describe('userEvents: the events of a write to a user (docs/events.md)', () => {
  it.each([
    ['a create', undefined, user(), ['user.created']],
    [
      'a create of an inactive Admin (no transition events)',
      undefined,
      user({ active: false, userType: 'Admin' }),
      ['user.created'],
    ],
    ['a rename', user(), user({ displayName: 'Babs' }), ['user.updated']],
    [
      'nothing changed',
      user({ name: { givenName: 'B', familyName: 'J' } }),
      user({ name: { familyName: 'J', givenName: 'B' } }),
      [],
    ],
    [
      'active true → false',
      user({ active: true }),
      user({ active: false }),
      ['user.updated', 'user.deactivated'],
    ],
    [
      'active absent → false (absent is active)',
      user(),
      user({ active: false }),
      ['user.updated', 'user.deactivated'],
    ],
    [
      'active false → true',
      user({ active: false }),
      user({ active: true }),
      ['user.updated', 'user.reactivated'],
    ],
    [
      'active true → absent (still active: only the attribute changed)',
      user({ active: true }),
      user(),
      ['user.updated'],
    ],
    [
      'userType Editor → Admin',
      user({ userType: 'Editor' }),
      user({ userType: 'Admin' }),
      ['user.updated', 'user.role_changed'],
    ],
    ['userType absent → Viewer (the same role)', user(), user({ userType: 'Viewer' }), ['user.updated']],
    [
      'deactivated and demoted at once',
      user({ active: true, userType: 'Admin' }),
      user({ active: false, userType: 'Viewer' }),
      ['user.updated', 'user.deactivated', 'user.role_changed'],
    ],
    ['a delete', user(), undefined, ['user.deleted']],
  ])('%s', (_name, before, after, expected) => {
    expect(typesOf(userEvents(registry, ID, before, after, 2))).toEqual(expected);
  });

  it('user.created carries the resource as a SCIM representation, versioned, without the password', () => {
    const [event] = userEvents(registry, ID, undefined, user({ password: 'secret', active: true }), 1);
    expect(event).toEqual({
      type: 'user.created',
      resourceType: 'User',
      resourceId: ID,
      data: {
        version: 1,
        resource: {
          schemas: [USER_SCHEMA],
          id: ID,
          userName: 'bjensen@example.com',
          active: true,
          meta: { resourceType: 'User', version: 'W/"1"' },
        },
      },
    });
  });

  it('user.updated names the changed attributes (extension ones URN-qualified), never their values', () => {
    const [event] = userEvents(
      registry,
      ID,
      user({ [ENTERPRISE]: { department: 'Sales' } }),
      user({ title: 'Boss', [ENTERPRISE]: { department: 'Tours' } }),
      7,
    );
    expect(event.data.changedAttributes).toEqual(['title', `${ENTERPRISE}:department`]);
    expect(event.data.resource).toMatchObject({ title: 'Boss', meta: { version: 'W/"7"' } });
  });

  it('user.role_changed says from → to; no userType is Viewer', () => {
    const events = userEvents(registry, ID, user(), user({ userType: 'Editor' }), 2);
    expect(events[1]).toMatchObject({
      type: 'user.role_changed',
      data: { role: { from: 'Viewer', to: 'Editor' } },
    });
  });

  it('user.deleted names the user only: id, userName and externalId (null when there was none)', () => {
    expect(userEvents(registry, ID, user({ externalId: 'x1', title: 'Boss' }), undefined, 0)[0].data).toEqual(
      {
        version: 1,
        resource: {
          id: ID,
          userName: 'bjensen@example.com',
          externalId: 'x1',
          meta: { resourceType: 'User' },
        },
      },
    );
    expect(userEvents(registry, ID, user(), undefined, 0)[0].data.resource).toMatchObject({
      externalId: null,
    });
  });
});

describe('groupEvents: the events of a write to a group’s own attributes', () => {
  it.each([
    ['a create', undefined, group(), ['group.created']],
    ['a rename', group(), group({ displayName: 'Guides' }), ['group.updated']],
    ['nothing changed', group(), group(), []],
    ['members only (they are events of their own)', group(), group({ members: [{ value: ID }] }), []],
    ['a delete', group({ externalId: 'g1' }), undefined, ['group.deleted']],
  ])('%s', (_name, before, after, expected) => {
    expect(typesOf(groupEvents(registry, ID, before, after, 3))).toEqual(expected);
  });

  it('the group payload leaves members out', () => {
    const [event] = groupEvents(registry, ID, undefined, group({ members: [{ value: ID }] }), 1);
    expect(event.data.resource).toEqual({
      schemas: [GROUP_SCHEMA],
      id: ID,
      displayName: 'Tour Guides',
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
  });
});

describe('properties of the events of a write', () => {
  const userArb = fc.record(
    {
      displayName: fc.constantFrom('A', 'B'),
      active: fc.boolean(),
      userType: fc.constantFrom('Admin', 'Editor', 'Viewer'),
      title: fc.constantFrom('x', 'y'),
    },
    { requiredKeys: [] },
  );

  it('no change, no event; any change: user.updated first, and only then the transitions it implies', () => {
    fc.assert(
      fc.property(userArb, userArb, (a, b) => {
        const before = user(a);
        const after = user(b);
        const events = userEvents(registry, ID, before, after, 2);
        const same = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
        if (same) return events.length === 0;
        const types = typesOf(events);
        const activeChanged = (a.active ?? true) !== (b.active ?? true);
        const roleChanged = (a.userType ?? 'Viewer') !== (b.userType ?? 'Viewer');
        return (
          types[0] === 'user.updated' &&
          types.includes('user.deactivated') === (activeChanged && b.active === false) &&
          types.includes('user.reactivated') === (activeChanged && b.active !== false) &&
          types.includes('user.role_changed') === roleChanged &&
          events.every((event) => event.resourceId === ID && event.data.version === 1) &&
          events.every((event) => (EVENT_TYPES as readonly string[]).includes(event.type))
        );
      }),
    );
  });

  it('every event after a change carries the resource as it is after it', () => {
    fc.assert(
      fc.property(userArb, userArb, (a, b) =>
        userEvents(registry, ID, user(a), user(b), 5).every(
          (event) =>
            JSON.stringify(event.data.resource) ===
            JSON.stringify(userEvents(registry, ID, undefined, user(b), 5)[0].data.resource),
        ),
      ),
    );
  });
});

describe('the feed cursor', () => {
  it('round-trips any (xid, seq) and keeps the order', () => {
    const position = fc.record({
      xid: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      seq: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
    });
    fc.assert(
      fc.property(position, position, (p, q) => {
        expect(decodeEventCursor(encodeEventCursor(p))).toEqual(p);
        const [px, qx] = [BigInt(p.xid), BigInt(q.xid)];
        const expected = px < qx || (px === qx && BigInt(p.seq) < BigInt(q.seq));
        return isBefore(p, q) === expected;
      }),
    );
  });

  it.each([
    '',
    'garbage',
    Buffer.from('e1:1').toString('base64url'),
    Buffer.from('e1:-1:2').toString('base64url'),
    Buffer.from(`e1:1:${2n ** 63n}`).toString('base64url'),
    'a'.repeat(200),
  ])('refuses %j with 400 invalidCursor', (token) => {
    expect(() => decodeEventCursor(token)).toThrow(ScimError);
    try {
      decodeEventCursor(token);
    } catch (error) {
      expect(error).toMatchObject({ status: 400, scimType: 'invalidCursor' });
    }
  });
});
