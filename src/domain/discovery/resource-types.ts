import type { SchemaRegistry } from '../schema/registry.js';
import type { ResourceTypeDefinition } from '../schema/types.js';
import { RESOURCE_TYPE_SCHEMA } from '../schema/urns.js';
import { scimBase } from './paths.js';

export interface ResourceTypeRepresentation {
  schemas: string[];
  id: string;
  name: string;
  endpoint: string;
  description: string;
  schema: string;
  schemaExtensions: { schema: string; required: boolean }[];
  meta: { resourceType: 'ResourceType'; location: string };
}

/** One resource type as the /ResourceTypes/{name} resource (RFC 7643 §6, §8.6). */
export function resourceTypeResource(
  baseUrl: string,
  resourceType: ResourceTypeDefinition,
): ResourceTypeRepresentation {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: resourceType.id,
    name: resourceType.name,
    endpoint: resourceType.endpoint,
    description: resourceType.description,
    schema: resourceType.schema,
    schemaExtensions: resourceType.schemaExtensions.map(({ schema, required }) => ({ schema, required })),
    meta: {
      resourceType: 'ResourceType',
      location: `${scimBase(baseUrl)}/ResourceTypes/${resourceType.name}`,
    },
  };
}

/** Every resource type of the registry (User, Group). */
export function resourceTypeResources(
  baseUrl: string,
  registry: SchemaRegistry,
): ResourceTypeRepresentation[] {
  return registry.resourceTypes.map((resourceType) => resourceTypeResource(baseUrl, resourceType));
}
