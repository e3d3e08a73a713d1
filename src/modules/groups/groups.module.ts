import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { ScimCalls } from '../scim/scim-calls.js';
import { GroupsController } from './groups.controller.js';
import { GroupsService } from './groups.service.js';

@Module({
  imports: [AuthModule, AuditModule, MembershipsModule],
  controllers: [GroupsController],
  providers: [GroupsService, ScimCalls],
  exports: [GroupsService],
})
export class GroupsModule {}
