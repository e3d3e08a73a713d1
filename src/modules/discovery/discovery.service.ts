import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { refuseDiscoveryFilter } from '../../domain/discovery/filter.js';
import { discoveryList, type DiscoveryList } from '../../domain/discovery/list.js';
import {
  resourceTypeResource,
  resourceTypeResources,
  type ResourceTypeRepresentation,
} from '../../domain/discovery/resource-types.js';
import {
  schemaResource,
  schemaResources,
  type SchemaRepresentation,
} from '../../domain/discovery/schemas.js';
import {
  DEFAULT_LIMITS,
  serviceProviderConfig,
  type ServiceProviderConfig,
  type ServiceProviderLimits,
} from '../../domain/discovery/service-provider-config.js';
import { ScimError } from '../../domain/errors.js';
import { scimRegistry as registry } from '../scim/scim-registry.js';

/** What a discovery request carries: the absolute base for meta.location, and its query string. */
export interface DiscoveryRequest {
  baseUrl: string;
  query: Record<string, unknown>;
}

/** The discovery resources of RFC 7644 §4, built from the schema registry that validates requests. */
@Injectable()
export class DiscoveryService {
  private readonly limits: ServiceProviderLimits;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limits = {
      ...DEFAULT_LIMITS,
      bulk: { maxOperations: config.bulkMaxOperations, maxPayloadSize: config.bulkMaxPayloadBytes },
    };
  }

  serviceProviderConfig({ baseUrl, query }: DiscoveryRequest): ServiceProviderConfig {
    refuseDiscoveryFilter(query.filter);
    return serviceProviderConfig(baseUrl, this.limits);
  }

  listSchemas({ baseUrl, query }: DiscoveryRequest): DiscoveryList<SchemaRepresentation> {
    refuseDiscoveryFilter(query.filter);
    return discoveryList(schemaResources(baseUrl, registry));
  }

  getSchema({ baseUrl, query }: DiscoveryRequest, urn: string): SchemaRepresentation {
    refuseDiscoveryFilter(query.filter);
    const schema = registry.getSchema(urn);
    if (!schema) throw ScimError.notFound(`Schema ${urn} not found`);
    return schemaResource(baseUrl, schema);
  }

  listResourceTypes({ baseUrl, query }: DiscoveryRequest): DiscoveryList<ResourceTypeRepresentation> {
    refuseDiscoveryFilter(query.filter);
    return discoveryList(resourceTypeResources(baseUrl, registry));
  }

  getResourceType({ baseUrl, query }: DiscoveryRequest, name: string): ResourceTypeRepresentation {
    refuseDiscoveryFilter(query.filter);
    // Resource type names are case-insensitive like every other SCIM name (RFC 7643 §2.1).
    const resourceType = registry.resourceTypes.find((rt) => rt.name.toLowerCase() === name.toLowerCase());
    if (!resourceType) throw ScimError.notFound(`ResourceType ${name} not found`);
    return resourceTypeResource(baseUrl, resourceType);
  }
}
