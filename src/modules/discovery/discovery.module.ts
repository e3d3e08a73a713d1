import { Module } from '@nestjs/common';
import { ScimHttpModule } from '../scim-http/scim-http.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { DiscoveryService } from './discovery.service.js';

/** ServiceProviderConfig, Schemas and ResourceTypes under /scim/v2, behind the tenant API key. */
@Module({
  imports: [ScimHttpModule],
  controllers: [DiscoveryController],
  providers: [DiscoveryService],
})
export class DiscoveryModule {}
