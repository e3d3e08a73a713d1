import { Module } from '@nestjs/common';
import { StorageModule } from '../../storage/storage.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ConsoleSessionController } from './console-session.controller.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { SetupLinksService } from './setup-links.service.js';

/**
 * The console's sign-in (docs/console.md): setup links and sessions. The operator API's guard
 * (src/modules/admin) takes the session cookie through ConsoleSessionsService.
 */
@Module({
  imports: [StorageModule, AuthModule, AuditModule],
  controllers: [ConsoleSessionController],
  providers: [ConsoleSessionsService, SetupLinksService],
  exports: [ConsoleSessionsService, SetupLinksService],
})
export class ConsoleAuthModule {}
