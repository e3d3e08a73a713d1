import { Module } from '@nestjs/common';
import { StorageModule } from '../../storage/storage.module.js';
import { EventsRetention } from './events-retention.js';
import { EventsService } from './events.service.js';

/** Change events: the outbox SCIM writes append to, the feed the operator API serves, their retention. */
@Module({
  imports: [StorageModule],
  providers: [EventsService, EventsRetention],
  exports: [EventsService],
})
export class EventsModule {}
