import { Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';

/** The audit trail of SCIM writes: SCIM services record, the operator API lists. */
@Module({
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
