import { Module } from '@nestjs/common';
import { StorageModule } from '../../storage/storage.module.js';
import { AuditService } from './audit.service.js';

/** The audit trail of SCIM writes: SCIM services record, the operator API lists. */
@Module({
  imports: [StorageModule],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
