import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AdminController } from './admin.controller.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/** /admin/v1: the operator API (ADMIN_TOKEN). */
@Module({
  imports: [TenantsModule, AuthModule, AuditModule],
  controllers: [AdminController],
  providers: [AdminTokenGuard],
})
export class AdminModule {}
