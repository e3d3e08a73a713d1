import {
  SPARE_USERS,
  USER_SCHEMA,
  cursorAfterUser,
  groupId,
  LANE_GROUPS,
  laneGroupId,
  sizeLabel,
  spareUserNumber,
  userId,
  userName,
} from './dataset.mjs';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PAGE = 100;

function randomUser(users) {
  return 1 + Math.floor(Math.random() * users);
}

/**
 * The workloads, in run order. Each builds autocannon `requests` (setupRequest picks a fresh random user per
 * request); `connections` and `durationFactor` (of the base duration) bound its cost. The bench deletes
 * what POST /Users created after each run, so every round sees the seeded data.
 */
export function workloads({ users, groupSizes }) {
  const largest = groupSizes[groupSizes.length - 1];
  const list = [
    {
      name: 'filter-eq',
      label: 'GET /Users?filter=userName eq "<random>"',
      connections: 32,
      requests: () => [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName(randomUser(users))}"`)}`,
          }),
        },
      ],
    },
    {
      name: 'get-user',
      label: 'GET /Users/{random id}',
      connections: 32,
      requests: () => [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/scim/v2/Users/${userId(randomUser(users))}` }),
        },
      ],
    },
    {
      name: 'list-start-index',
      label: `GET /Users?startIndex=1&count=${PAGE}`,
      connections: 8,
      requests: () => [{ method: 'GET', path: `/scim/v2/Users?startIndex=1&count=${PAGE}` }],
    },
    {
      name: 'list-end-index',
      label: `GET /Users?startIndex=${users - PAGE + 1}&count=${PAGE}`,
      connections: 8,
      durationFactor: 0.5,
      requests: () => [
        { method: 'GET', path: `/scim/v2/Users?startIndex=${users - PAGE + 1}&count=${PAGE}` },
      ],
    },
    {
      name: 'list-start-cursor',
      label: `GET /Users?cursor=&count=${PAGE} (first page)`,
      connections: 8,
      requests: () => [{ method: 'GET', path: `/scim/v2/Users?cursor=&count=${PAGE}` }],
    },
    {
      name: 'list-end-cursor',
      label: `GET /Users?cursor=<after user ${users - PAGE}>&count=${PAGE}`,
      connections: 8,
      requests: () => [
        { method: 'GET', path: `/scim/v2/Users?cursor=${cursorAfterUser(users - PAGE)}&count=${PAGE}` },
      ],
    },
    {
      name: 'groups-list',
      label: 'GET /Groups?excludedAttributes=members',
      connections: 8,
      requests: () => [{ method: 'GET', path: '/scim/v2/Groups?excludedAttributes=members' }],
    },
    ...groupSizes.map((size) => ({
      name: `patch-${sizeLabel(size)}`,
      label: `PATCH /Groups/{id} add+remove 1 member (${sizeLabel(size)} members)`,
      connections: 4,
      requests: () => patchPair(users, () => `/scim/v2/Groups/${groupId(size)}`),
    })),
    {
      // `--outbox` only (not in a default run): the PATCH pair with each connection on a group of its own,
      // so that no PATCH waits for another's group lock.
      name: 'patch-10-lanes',
      label: `PATCH /Groups/{id} add+remove 1 member, each of ${LANE_GROUPS} connections on its own 10-member group`,
      connections: LANE_GROUPS,
      scaleoutOnly: true,
      requests: () => {
        // A connection has at most one cycle in flight (autocannon clears its context after each): a cycle
        // takes a free group and gives it back with its last answer, so no two cycles share one.
        const free = Array.from({ length: LANE_GROUPS }, (_, lane) => lane);
        return patchPair(
          users,
          (context) => `/scim/v2/Groups/${laneGroupId((context.lane = free.pop() ?? 0))}`,
          (context) => free.push(context.lane),
        );
      },
    },
    {
      name: 'post-user',
      label: 'POST /Users',
      connections: 16,
      requests: () => {
        // Unique per load process and request: concurrent runs and earlier rounds never collide.
        const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
        let counter = 0;
        return [
          {
            method: 'POST',
            path: '/scim/v2/Users',
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify(newUser(`new-${tag}-${++counter}@bench.example`)),
            }),
          },
        ];
      },
    },
    {
      name: `group-full-${sizeLabel(largest)}`,
      label: `GET /Groups/{id} with ${sizeLabel(largest)} members`,
      connections: 2,
      // Its answer (18 MB at 100k members) sets every server's peak RSS; it runs last in each round.
      largeRead: true,
      durationFactor: 0.5,
      requests: () => [{ method: 'GET', path: `/scim/v2/Groups/${groupId(largest)}` }],
    },
  ];
  return list;
}

/**
 * Add one spare user (in no group) to a group, then remove it: two requests per cycle of a connection.
 * `pathOf` gives the group's path at the start of a cycle, given autocannon's context of the cycle (kept
 * across its requests); `done`, if given, is called with that context when the cycle's last answer came.
 */
function patchPair(users, pathOf, done) {
  return [
    {
      method: 'PATCH',
      setupRequest: (req, context) => {
        context.path = pathOf(context);
        context.member = userId(spareUserNumber(users, 1 + Math.floor(Math.random() * SPARE_USERS)));
        return {
          ...req,
          path: context.path,
          body: JSON.stringify({
            schemas: [PATCH_OP],
            Operations: [{ op: 'add', path: 'members', value: [{ value: context.member }] }],
          }),
        };
      },
    },
    {
      method: 'PATCH',
      ...(done ? { onResponse: (_status, _body, context) => done(context) } : {}),
      setupRequest: (req, context) => ({
        ...req,
        path: context.path,
        body: JSON.stringify({
          schemas: [PATCH_OP],
          Operations: [{ op: 'remove', path: `members[value eq "${context.member}"]` }],
        }),
      }),
    },
  ];
}

export function newUser(name) {
  return {
    schemas: [USER_SCHEMA],
    userName: name,
    name: { givenName: 'New', familyName: 'User' },
    emails: [{ value: name, type: 'work', primary: true }],
    active: true,
    userType: 'Viewer',
  };
}

/** The concrete requests of one cycle of a workload, for a smoke check outside autocannon. */
export function sampleRequests(workload) {
  const context = {};
  return workload.requests().map((request) => {
    const built = request.setupRequest ? request.setupRequest({ ...request }, context) : request;
    return { method: built.method, path: built.path, body: built.body };
  });
}
