import { Module } from '@nestjs/common';
import { WEBHOOK_METRICS_SOURCE } from '../../metrics/webhook-metrics.js';
import { StorageModule } from '../../storage/storage.module.js';
import { WebhooksRepository } from '../../storage/webhooks.repository.js';
import { AdminTokenGuard } from '../admin/admin-token.guard.js';
import { ConsoleAuthModule } from '../console-auth/console-auth.module.js';
import { WebhookWorker } from './webhook-worker.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** Webhooks: endpoints in the operator API, and the delivery worker (docs/events.md, "Webhooks"). */
@Module({
  // ConsoleAuthModule: the operator API's guard also takes console sessions (docs/console.md).
  imports: [StorageModule, ConsoleAuthModule],
  controllers: [WebhooksController],
  providers: [
    WebhooksRepository,
    WebhooksService,
    WebhookWorker,
    AdminTokenGuard,
    { provide: WEBHOOK_METRICS_SOURCE, useExisting: WebhookWorker },
  ],
  exports: [WebhooksService, WebhookWorker],
})
export class WebhooksModule {}

/** The worker alone, for a process of its own (src/worker.ts) and the CLI: no controller. */
@Module({
  imports: [StorageModule],
  providers: [WebhooksRepository, WebhooksService, WebhookWorker],
  exports: [WebhooksService, WebhookWorker],
})
export class WebhookWorkerModule {}
