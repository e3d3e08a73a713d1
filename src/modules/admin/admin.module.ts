import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ConsoleAuthModule } from '../console-auth/console-auth.module.js';
import { EventsModule } from '../events/events.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AdminController } from './admin.controller.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { EventsController } from './events.controller.js';
import { SetupLinksController } from './setup-links.controller.js';

/** /admin/v1: the operator API (ADMIN_TOKEN, or a console session). */
@Module({
  imports: [TenantsModule, AuthModule, AuditModule, EventsModule, ConsoleAuthModule],
  controllers: [AdminController, EventsController, SetupLinksController],
  providers: [AdminTokenGuard],
})
export class AdminModule {}
