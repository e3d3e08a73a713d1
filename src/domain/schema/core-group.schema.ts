import { attribute, complex, deepFreeze } from './define.js';
import type { SchemaDefinition } from './types.js';
import { GROUP_SCHEMA } from './urns.js';

/** The core Group schema of RFC 7643 §4.2 (§8.7.1), with our rules on displayName and members.display. */
export const coreGroupSchema: SchemaDefinition = deepFreeze({
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    // The RFC marks it optional with "REQUIRED." in the text; we require it and keep it unique, as Okta
    // and Entra look groups up by displayName before pushing them.
    attribute('displayName', 'string', 'A human-readable name for the Group. REQUIRED.', {
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'members',
      'A list of members of the Group.',
      [
        // Required here (optional in §8.7.1): a member is nothing but the id it points to.
        attribute('value', 'string', 'Identifier of the member of this Group.', {
          required: true,
          mutability: 'immutable',
        }),
        // The server derives it from value and type, so whatever a client sends is ignored.
        attribute(
          '$ref',
          'reference',
          'The URI corresponding to a SCIM resource that is a member of this Group.',
          { referenceTypes: ['User', 'Group'], mutability: 'readOnly' },
        ),
        attribute('type', 'string', "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
          canonicalValues: ['User', 'Group'],
          enforceCanonicalValues: true,
          mutability: 'immutable',
        }),
        // Not in §8.7.1 but used by every client (RFC 7643 §4.2 example, Okta's PATCH bodies); the server
        // derives it from the member, so it is readOnly.
        attribute(
          'display',
          'string',
          'A human-readable name for the member, primarily used for display purposes.',
          {
            mutability: 'readOnly',
          },
        ),
      ],
      { multiValued: true },
    ),
  ],
});
