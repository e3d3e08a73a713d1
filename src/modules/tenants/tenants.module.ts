import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TenantsService } from './tenants.service.js';

@Module({
  imports: [AuthModule],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
