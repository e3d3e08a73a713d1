import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageModule } from '../../storage/storage.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [StorageModule, TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
})
export class HealthModule {}
