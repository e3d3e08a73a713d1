import { attribute, complex, deepFreeze } from './define.js';
import type { AttributeDefinition } from './types.js';

/**
 * The attributes every resource carries besides its schema's (RFC 7643 §3 `schemas`, §3.1 id, externalId,
 * meta). They are not listed in /Schemas (§8.7.1 leaves them out) but are valid in filters, sorting,
 * PATCH paths and `attributes` parameters.
 */
export const commonAttributes: readonly AttributeDefinition[] = deepFreeze([
  attribute(
    'schemas',
    'reference',
    'The schema URIs that define the attributes present in the resource (RFC 7643 §3).',
    { multiValued: true, required: true, caseExact: false, returned: 'always', referenceTypes: ['uri'] },
  ),
  attribute(
    'id',
    'string',
    'A unique identifier for a SCIM resource as defined by the service provider.  REQUIRED.',
    { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' },
  ),
  attribute(
    'externalId',
    'string',
    'A String that is an identifier for the resource as defined by the provisioning client.  OPTIONAL.',
    { caseExact: true },
  ),
  complex(
    'meta',
    'A complex attribute containing resource metadata.',
    [
      attribute('resourceType', 'string', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute(
        'created',
        'dateTime',
        'The "DateTime" that the resource was added to the service provider.',
        {
          mutability: 'readOnly',
        },
      ),
      attribute(
        'lastModified',
        'dateTime',
        'The most recent DateTime that the details of this resource were updated.',
        {
          mutability: 'readOnly',
        },
      ),
      attribute('location', 'reference', 'The URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attribute('version', 'string', 'The version of the resource being returned (an entity tag).', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
    { mutability: 'readOnly' },
  ),
]);
