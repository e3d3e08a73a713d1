import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { DiscoveryService } from './discovery.service.js';

/** ServiceProviderConfig, Schemas and ResourceTypes under /scim/v2, behind the tenant API key. */
@Module({
  imports: [AuthModule],
  controllers: [DiscoveryController],
  providers: [DiscoveryService],
})
export class DiscoveryModule {}
