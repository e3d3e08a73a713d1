import { Module } from '@nestjs/common';
import { StorageModule } from '../../storage/storage.module.js';
import { MembershipsService } from './memberships.service.js';

@Module({ imports: [StorageModule], providers: [MembershipsService], exports: [MembershipsService] })
export class MembershipsModule {}
