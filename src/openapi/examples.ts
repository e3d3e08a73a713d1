import {
  BULK_REQUEST_SCHEMA,
  BULK_RESPONSE_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  PATCH_OP_SCHEMA,
  SEARCH_REQUEST_SCHEMA,
  USER_SCHEMA,
} from '../domain/schema/urns.js';
import { ERROR_SCHEMA } from '../domain/errors.js';

/**
 * Request and response examples for the OpenAPI document, taken from what Okta and Entra actually send
 * (Okta's SCIM 2.0 reference and test suite, Entra's provisioning tutorial). Ids and hosts are made up.
 */
export interface Example {
  summary: string;
  /** Markdown under the example in Swagger UI: what to replace before "Execute". */
  description?: string;
  value: unknown;
}

/**
 * The ids that stand, in the examples, for the resources the first examples create: a reader trying
 * them in Swagger UI replaces them with the ids the server answered (EXAMPLES_GUIDE says so, in order).
 */
const EXAMPLE_IDS = {
  oktaUser: '23a35c27-23d3-4c03-b4c5-6443c09e7173',
  entraUser: '89bb1940-b905-4575-9e7f-6f887cfb368e',
  group: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b',
} as const;

const USER_ID = EXAMPLE_IDS.oktaUser;
const GROUP_ID = EXAMPLE_IDS.group;
const BASE = 'https://scim.example.com/scim/v2';

const oktaAttributes = {
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  userType: 'Admin',
  active: true,
};

export const USER_EXAMPLES = {
  oktaCreate: {
    summary: 'Okta creates a user (its password and empty groups are ignored)',
    description: `The later examples call this user (the Okta user) \`${USER_ID}\`: use the id it gets instead.`,
    value: { schemas: [USER_SCHEMA], ...oktaAttributes, groups: [], password: '1mz050nq' },
  },
  entraCreate: {
    summary: 'Entra ID creates a user with the enterprise extension',
    description:
      `Its manager is the Okta user: replace \`${USER_ID}\` with its id. The later examples call this ` +
      `user (the Entra user) \`${EXAMPLE_IDS.entraUser}\`.`,
    value: {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa@testuser.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      [ENTERPRISE_USER_SCHEMA]: { department: 'Engineering', manager: { value: USER_ID } },
      roles: [],
    },
  },
  oktaReplace: {
    summary: 'Okta (App Integration Wizard apps) writes the whole user back with PUT',
    description: `Send it with the Okta user's id as \`id\` (the body's \`id\` is readOnly and ignored).`,
    value: {
      schemas: [USER_SCHEMA],
      id: USER_ID,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [
        { primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' },
      ],
      userType: 'Editor',
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    },
  },
  response: {
    summary: 'A user',
    value: {
      schemas: [USER_SCHEMA],
      id: USER_ID,
      ...oktaAttributes,
      meta: {
        resourceType: 'User',
        created: '2026-01-05T10:00:00.000Z',
        lastModified: '2026-01-05T10:00:00.000Z',
        location: `${BASE}/Users/${USER_ID}`,
        version: 'W/"1"',
      },
    },
  },
} satisfies Record<string, Example>;

const group = {
  schemas: [GROUP_SCHEMA],
  id: GROUP_ID,
  displayName: 'Test SCIMv2',
  members: [
    {
      value: USER_ID,
      $ref: `${BASE}/Users/${USER_ID}`,
      type: 'User',
      display: 'test.user@okta.local',
    },
  ],
  meta: {
    resourceType: 'Group',
    created: '2026-01-05T10:00:00.000Z',
    lastModified: '2026-01-05T10:05:00.000Z',
    location: `${BASE}/Groups/${GROUP_ID}`,
    version: 'W/"2"',
  },
};

export const GROUP_EXAMPLES = {
  oktaCreate: {
    summary: 'Okta pushes a new group',
    description: `The later examples call this group \`${GROUP_ID}\`: use the id it gets instead.`,
    value: { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] },
  },
  oktaReplace: {
    summary: 'Okta (App Integration Wizard apps) writes the group and its members back with PUT',
    description:
      `Send it with the group's id as \`id\` (the body's \`id\` is readOnly and ignored); its member is ` +
      `the Entra user: replace \`${EXAMPLE_IDS.entraUser}\` with its id.`,
    value: {
      schemas: [GROUP_SCHEMA],
      id: GROUP_ID,
      displayName: 'Test SCIMv2',
      members: [{ value: EXAMPLE_IDS.entraUser, display: 'Test_User_00aa00aa@testuser.com' }],
    },
  },
  response: { summary: 'A group', value: group },
} satisfies Record<string, Example>;

export const PATCH_EXAMPLES = {
  User: {
    oktaDeactivate: {
      summary: 'Okta deactivates a user (path-less replace)',
      description: "Send it with the Okta user's id as `id`.",
      value: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] },
    },
    entraUpdate: {
      summary: 'Entra ID updates attributes by path (op in title case)',
      description: "Send it with the Entra user's id as `id`.",
      value: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@example.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
          { op: 'Replace', path: 'userType', value: 'Viewer' },
        ],
      },
    },
  },
  Group: {
    oktaMembership: {
      summary: 'Okta removes one member and adds another',
      description:
        `Send it with the group's id as \`id\`. It removes the Entra user (\`${EXAMPLE_IDS.entraUser}\`) ` +
        `and adds the Okta user (\`${USER_ID}\`): replace both with their ids.`,
      value: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [
          { op: 'remove', path: `members[value eq "${EXAMPLE_IDS.entraUser}"]` },
          { op: 'add', path: 'members', value: [{ value: USER_ID, display: 'test.user@okta.local' }] },
        ],
      },
    },
    oktaRename: {
      summary: 'Okta renames a group (its value repeats the readOnly id)',
      description: `Send it with the group's id as \`id\`, and replace \`${GROUP_ID}\` in the body with it.`,
      value: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'replace', value: { id: GROUP_ID, displayName: 'Test SCIMv2 (renamed)' } }],
      },
    },
  },
} satisfies Record<'User' | 'Group', Record<string, Example>>;

export const LIST_EXAMPLES = {
  User: {
    oktaLookup: {
      summary: "Okta's existence check finds nothing: 200 with an empty list, never 404",
      value: {
        schemas: [LIST_RESPONSE_SCHEMA],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      },
    },
    page: {
      summary: 'One user on the page',
      value: {
        schemas: [LIST_RESPONSE_SCHEMA],
        totalResults: 1,
        startIndex: 1,
        itemsPerPage: 1,
        Resources: [USER_EXAMPLES.response.value],
      },
    },
  },
  Group: {
    page: {
      summary: 'One group on the page',
      value: {
        schemas: [LIST_RESPONSE_SCHEMA],
        totalResults: 1,
        startIndex: 1,
        itemsPerPage: 1,
        Resources: [group],
      },
    },
  },
} satisfies Record<'User' | 'Group', Record<string, Example>>;

export const ERROR_EXAMPLES = {
  uniqueness: {
    summary: 'The userName is taken (Okta links the existing user instead)',
    value: {
      schemas: [ERROR_SCHEMA],
      status: '409',
      scimType: 'uniqueness',
      detail: 'userName is already taken',
    },
  },
  notFound: {
    summary: 'No such resource',
    value: { schemas: [ERROR_SCHEMA], status: '404', detail: `Resource ${USER_ID} not found` },
  },
  unauthorized: {
    summary: 'Missing or wrong tenant API key',
    value: { schemas: [ERROR_SCHEMA], status: '401', detail: 'Authorization: Bearer <API key> is required' },
  },
} satisfies Record<string, Example>;

export const SEARCH_EXAMPLES = {
  byUserName: {
    summary: 'Filter, first cursor page',
    value: {
      schemas: [SEARCH_REQUEST_SCHEMA],
      filter: 'userName sw "test"',
      cursor: '',
      count: 10,
    },
  },
  byDisplayName: {
    summary: 'Filter, first cursor page',
    value: {
      schemas: [SEARCH_REQUEST_SCHEMA],
      filter: 'displayName sw "Test"',
      cursor: '',
      count: 10,
    },
  },
  byExternalId: {
    summary: 'Everything an IdP provisioned with this externalId',
    value: { schemas: [SEARCH_REQUEST_SCHEMA], filter: 'externalId eq "00ujl29u0le5T6Aj10h7"' },
  },
} satisfies Record<string, Example>;

/**
 * A worked Bulk request (RFC 7644 §3.7): a manager and a report who names her with a forward bulkId
 * reference, a group of both, then a PATCH of the group addressed by its bulkId.
 */
export const BULK_EXAMPLES = {
  request: {
    summary: 'Two users, a group of both and a PATCH, linked by bulkId references',
    description:
      'The report names its manager, and the group its members, with `bulkId:<bulkId>` before they ' +
      'exist (forward references run in dependency order); the PATCH addresses the group by its bulkId.',
    value: {
      schemas: [BULK_REQUEST_SCHEMA],
      failOnErrors: 1,
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'report',
          data: {
            schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            userName: 'bulk.report@example.com',
            name: { givenName: 'Bulk', familyName: 'Report' },
            [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'bulkId:manager' } },
          },
        },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'manager',
          data: {
            schemas: [USER_SCHEMA],
            userName: 'bulk.manager@example.com',
            name: { givenName: 'Bulk', familyName: 'Manager' },
          },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'team',
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: 'Bulk team',
            members: [{ value: 'bulkId:manager' }, { value: 'bulkId:report' }],
          },
        },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:team',
          data: {
            schemas: [PATCH_OP_SCHEMA],
            Operations: [{ op: 'replace', path: 'displayName', value: 'Bulk team (renamed)' }],
          },
        },
      ],
    },
  },
  response: {
    summary: 'Each operation with its status; a failed one with its SCIM error',
    value: {
      schemas: [BULK_RESPONSE_SCHEMA],
      Operations: [
        {
          method: 'POST',
          bulkId: 'report',
          version: 'W/"1"',
          location: `${BASE}/Users/5d4f8f3e-7f0a-4d8e-9a52-1b2c3d4e5f60`,
          status: '201',
        },
        {
          method: 'POST',
          bulkId: 'manager',
          version: 'W/"1"',
          location: `${BASE}/Users/0b5e6a52-3c1d-4f7e-8a90-123456789abc`,
          status: '201',
        },
        {
          method: 'POST',
          bulkId: 'team',
          status: '409',
          response: {
            schemas: [ERROR_SCHEMA],
            status: '409',
            scimType: 'uniqueness',
            detail: 'displayName is already taken',
          },
        },
      ],
    },
  },
} satisfies Record<string, Example>;

interface TryStep {
  request: string;
  example: Example;
  /** The placeholder id to send as the `{id}` path parameter. */
  on?: string;
  /** The placeholder id that stands for the resource this request creates. */
  creates?: string;
}

const NAMES: Record<string, string> = {
  [EXAMPLE_IDS.oktaUser]: 'the Okta user',
  [EXAMPLE_IDS.entraUser]: 'the Entra user',
  [EXAMPLE_IDS.group]: 'the group',
};

/**
 * The order in which the request examples work when tried one after the other on a new tenant. Every
 * request example is in it once (test/contract/openapi-examples.test.ts reads this list back from the
 * document and follows it).
 */
const TRY_ORDER: TryStep[] = [
  { request: 'POST /scim/v2/Users', example: USER_EXAMPLES.oktaCreate, creates: EXAMPLE_IDS.oktaUser },
  { request: 'POST /scim/v2/Users', example: USER_EXAMPLES.entraCreate, creates: EXAMPLE_IDS.entraUser },
  { request: 'POST /scim/v2/Users/.search', example: SEARCH_EXAMPLES.byUserName },
  { request: 'PUT /scim/v2/Users/{id}', example: USER_EXAMPLES.oktaReplace, on: EXAMPLE_IDS.oktaUser },
  {
    request: 'PATCH /scim/v2/Users/{id}',
    example: PATCH_EXAMPLES.User.entraUpdate,
    on: EXAMPLE_IDS.entraUser,
  },
  {
    request: 'PATCH /scim/v2/Users/{id}',
    example: PATCH_EXAMPLES.User.oktaDeactivate,
    on: EXAMPLE_IDS.oktaUser,
  },
  { request: 'POST /scim/v2/Groups', example: GROUP_EXAMPLES.oktaCreate, creates: EXAMPLE_IDS.group },
  { request: 'PUT /scim/v2/Groups/{id}', example: GROUP_EXAMPLES.oktaReplace, on: EXAMPLE_IDS.group },
  { request: 'PATCH /scim/v2/Groups/{id}', example: PATCH_EXAMPLES.Group.oktaRename, on: EXAMPLE_IDS.group },
  {
    request: 'PATCH /scim/v2/Groups/{id}',
    example: PATCH_EXAMPLES.Group.oktaMembership,
    on: EXAMPLE_IDS.group,
  },
  { request: 'POST /scim/v2/Groups/.search', example: SEARCH_EXAMPLES.byDisplayName },
  { request: 'POST /scim/v2/.search', example: SEARCH_EXAMPLES.byExternalId },
  { request: 'POST /scim/v2/Bulk', example: BULK_EXAMPLES.request },
];

function tryStep({ request, example, on, creates }: TryStep, index: number): string {
  const target = on ? ` on \`${on}\` (${NAMES[on]})` : '';
  const result = creates ? `: ${NAMES[creates]}, called \`${creates}\` below` : '';
  return `${index + 1}. \`${request}\`${target}, example *${example.summary}*${result}.`;
}

/** The part of the document's description that tells a Swagger UI reader how to try the examples. */
export const EXAMPLES_GUIDE = [
  '**Trying the examples.** In Swagger UI, Authorize with the API key of a new tenant, then send the ' +
    'request examples ("Try it out") in this order. Three ids in them stand for resources created on ' +
    'the way: replace them, in the `id` parameter and in the body, with the ids the server answered.',
  '',
  ...TRY_ORDER.map(tryStep),
].join('\n');
