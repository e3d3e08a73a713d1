import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  PATCH_OP_SCHEMA,
  USER_SCHEMA,
} from '../domain/schema/urns.js';
import { ERROR_SCHEMA } from '../domain/errors.js';

/**
 * Request and response examples for the OpenAPI document, taken from what Okta and Entra actually send
 * (Okta's SCIM 2.0 reference and test suite, Entra's provisioning tutorial). Ids and hosts are made up.
 */
export interface Example {
  summary: string;
  value: unknown;
}

const USER_ID = '23a35c27-23d3-4c03-b4c5-6443c09e7173';
const GROUP_ID = 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b';
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
    value: { schemas: [USER_SCHEMA], ...oktaAttributes, groups: [], password: '1mz050nq' },
  },
  entraCreate: {
    summary: 'Entra ID creates a user with the enterprise extension',
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
    value: { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] },
  },
  oktaReplace: {
    summary: 'Okta (App Integration Wizard apps) writes the group and its members back with PUT',
    value: {
      schemas: [GROUP_SCHEMA],
      id: GROUP_ID,
      displayName: 'Test SCIMv2',
      members: [{ value: USER_ID, display: 'test.user@okta.local' }],
    },
  },
  response: { summary: 'A group', value: group },
} satisfies Record<string, Example>;

export const PATCH_EXAMPLES = {
  User: {
    oktaDeactivate: {
      summary: 'Okta deactivates a user (path-less replace)',
      value: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] },
    },
    entraUpdate: {
      summary: 'Entra ID updates attributes by path (op in title case)',
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
      value: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [
          { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
          { op: 'add', path: 'members', value: [{ value: USER_ID, display: 'test.user@okta.local' }] },
        ],
      },
    },
    oktaRename: {
      summary: 'Okta renames a group (its value repeats the readOnly id)',
      value: {
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'replace', value: { id: GROUP_ID, displayName: 'Test SCIMv2' } }],
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
