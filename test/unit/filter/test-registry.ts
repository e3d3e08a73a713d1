import { attribute, complex } from '../../../src/domain/schema/define.js';
import { coreGroupSchema } from '../../../src/domain/schema/core-group.schema.js';
import { coreUserSchema } from '../../../src/domain/schema/core-user.schema.js';
import { enterpriseUserSchema } from '../../../src/domain/schema/enterprise-user.schema.js';
import {
  createSchemaRegistry,
  groupResourceType,
  userResourceType,
} from '../../../src/domain/schema/registry.js';
import type { SchemaDefinition } from '../../../src/domain/schema/types.js';

/**
 * An extension with the attribute types the core schemas lack in `data` (integer, decimal, dateTime,
 * boolean, multi-valued strings, caseExact strings), so every comparison rule of the compiler is exercised.
 */
export const TEST_EXTENSION = 'urn:example:params:scim:schemas:extension:test:2.0:User';

const testExtension: SchemaDefinition = {
  id: TEST_EXTENSION,
  name: 'Test',
  description: 'Attribute types for filter tests',
  attributes: [
    attribute('level', 'integer', 'An integer.'),
    attribute('score', 'decimal', 'A decimal.'),
    attribute('hiredAt', 'dateTime', 'A dateTime.'),
    attribute('flag', 'boolean', 'A boolean.'),
    attribute('code', 'string', 'A caseExact string.', { caseExact: true }),
    attribute('tags', 'string', 'A multi-valued string.', { multiValued: true }),
    complex(
      'badges',
      'Multi-valued complex without a value sub-attribute.',
      [
        attribute('label', 'string', 'A label.'),
        attribute('earnedAt', 'dateTime', 'When.'),
        attribute('rank', 'integer', 'A rank.'),
      ],
      { multiValued: true },
    ),
  ],
};

export const testRegistry = createSchemaRegistry(
  [coreUserSchema, coreGroupSchema, enterpriseUserSchema, testExtension],
  [
    {
      ...userResourceType,
      schemaExtensions: [...userResourceType.schemaExtensions, { schema: TEST_EXTENSION, required: false }],
    },
    groupResourceType,
  ],
);
