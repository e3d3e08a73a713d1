import { Module } from '@nestjs/common';
import { StorageModule } from '../../storage/storage.module.js';
import { AdminTokenGuard } from '../admin/admin-token.guard.js';
import { AuditModule } from '../audit/audit.module.js';
import { ConsoleAuthModule } from '../console-auth/console-auth.module.js';
import { ScimHttpModule } from '../scim-http/scim-http.module.js';
import { UsersModule } from '../users/users.module.js';
import { ConnectionHealthService } from './connection-health.service.js';
import { TeamController } from './team.controller.js';
import { TeamService } from './team.service.js';

/** The team's read API under /admin/v1/tenants/{id}/… and the SCIM connection's health. */
@Module({
  imports: [StorageModule, AuditModule, UsersModule, ConsoleAuthModule, ScimHttpModule],
  controllers: [TeamController],
  providers: [TeamService, ConnectionHealthService, AdminTokenGuard],
})
export class TeamModule {}
