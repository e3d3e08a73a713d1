import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition, SchemaDefinition } from '../schema/types.js';
import { SCHEMA_SCHEMA } from '../schema/urns.js';
import { scimBase } from './paths.js';

/** An attribute definition as RFC 7643 §7 represents it, characteristics in the RFC's order. */
export interface SchemaAttributeRepresentation {
  name: string;
  type: AttributeDefinition['type'];
  multiValued: boolean;
  description: string;
  required: boolean;
  canonicalValues?: string[];
  caseExact: boolean;
  mutability: AttributeDefinition['mutability'];
  returned: AttributeDefinition['returned'];
  uniqueness: AttributeDefinition['uniqueness'];
  referenceTypes?: string[];
  subAttributes?: SchemaAttributeRepresentation[];
}

export interface SchemaRepresentation {
  schemas: string[];
  id: string;
  name: string;
  description: string;
  attributes: SchemaAttributeRepresentation[];
  meta: { resourceType: 'Schema'; location: string };
}

export function attributeRepresentation(attribute: AttributeDefinition): SchemaAttributeRepresentation {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    ...(attribute.canonicalValues ? { canonicalValues: [...attribute.canonicalValues] } : {}),
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.referenceTypes ? { referenceTypes: [...attribute.referenceTypes] } : {}),
    ...(attribute.subAttributes
      ? { subAttributes: attribute.subAttributes.map(attributeRepresentation) }
      : {}),
  };
}

/** Where a schema is served: its URN appended to /Schemas (RFC 7644 §4). */
export function schemaLocation(baseUrl: string, urn: string): string {
  return `${scimBase(baseUrl)}/Schemas/${urn}`;
}

/** One schema as the /Schemas/{urn} resource (RFC 7643 §7, §8.7.1). */
export function schemaResource(baseUrl: string, schema: SchemaDefinition): SchemaRepresentation {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeRepresentation),
    meta: { resourceType: 'Schema', location: schemaLocation(baseUrl, schema.id) },
  };
}

/** Every schema of the registry, in registry order (User, Group, Enterprise User). */
export function schemaResources(baseUrl: string, registry: SchemaRegistry): SchemaRepresentation[] {
  return registry.schemas.map((schema) => schemaResource(baseUrl, schema));
}
