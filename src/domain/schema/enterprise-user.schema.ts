import { attribute, complex, deepFreeze } from './define.js';
import type { SchemaDefinition } from './types.js';
import { ENTERPRISE_USER_SCHEMA } from './urns.js';

/** The Enterprise User extension of RFC 7643 §4.3 (§8.7.1). */
export const enterpriseUserSchema: SchemaDefinition = deepFreeze({
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute(
      'employeeNumber',
      'string',
      'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.',
    ),
    attribute('costCenter', 'string', 'Identifies the name of a cost center.'),
    attribute('organization', 'string', 'Identifies the name of an organization.'),
    attribute('division', 'string', 'Identifies the name of a division.'),
    attribute('department', 'string', 'Identifies the name of a department.'),
    complex(
      'manager',
      "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
      [
        attribute(
          'value',
          'string',
          "The id of the SCIM resource representing the User's manager.  REQUIRED.",
        ),
        attribute(
          '$ref',
          'reference',
          "The URI of the SCIM resource representing the User's manager.  REQUIRED.",
          {
            referenceTypes: ['User'],
          },
        ),
        attribute(
          'displayName',
          'string',
          "The displayName of the User's manager.  OPTIONAL and READ-ONLY.",
          {
            mutability: 'readOnly',
          },
        ),
      ],
    ),
  ],
});
