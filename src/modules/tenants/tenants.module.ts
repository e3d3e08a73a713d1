import { Module } from '@nestjs/common';
import { StorageModule } from '../../storage/storage.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { TenantsService } from './tenants.service.js';

@Module({
  imports: [StorageModule, AuthModule],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
