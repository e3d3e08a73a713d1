import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { ApiTags } from '../../openapi/doc-decorators.js';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { SCIM_CONTENT_TYPE } from '../../http/scim-media-type.js';
import { DiscoveryOperation } from '../../openapi/scim-operation.decorators.js';
import { ScimEndpoint, baseUrlOf } from '../scim-http/index.js';
import { DiscoveryService, type DiscoveryRequest } from './discovery.service.js';

/**
 * /scim/v2 discovery (RFC 7644 §4): ServiceProviderConfig, Schemas, ResourceTypes. GET only; any other
 * method answers 405 with Allow (the exception filter's route table), as Okta's SPEC suite expects.
 */
@ApiTags('Discovery')
@ScimEndpoint()
@Controller('scim/v2')
export class DiscoveryController {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('ServiceProviderConfig')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @DiscoveryOperation('serviceProviderConfig')
  getServiceProviderConfig(@Req() request: FastifyRequest) {
    return this.discovery.serviceProviderConfig(this.requestOf(request));
  }

  @Get('Schemas')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @DiscoveryOperation('listSchemas')
  listSchemas(@Req() request: FastifyRequest) {
    return this.discovery.listSchemas(this.requestOf(request));
  }

  @Get('Schemas/:urn')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @DiscoveryOperation('getSchema')
  getSchema(@Req() request: FastifyRequest, @Param('urn') urn: string) {
    return this.discovery.getSchema(this.requestOf(request), urn);
  }

  @Get('ResourceTypes')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @DiscoveryOperation('listResourceTypes')
  listResourceTypes(@Req() request: FastifyRequest) {
    return this.discovery.listResourceTypes(this.requestOf(request));
  }

  @Get('ResourceTypes/:name')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @DiscoveryOperation('getResourceType')
  getResourceType(@Req() request: FastifyRequest, @Param('name') name: string) {
    return this.discovery.getResourceType(this.requestOf(request), name);
  }

  private requestOf(request: FastifyRequest): DiscoveryRequest {
    return {
      baseUrl: baseUrlOf(this.config, request),
      query: (request.query ?? {}) as Record<string, unknown>,
    };
  }
}
