import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { ScimCalls } from '../scim/scim-calls.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [AuthModule, AuditModule, MembershipsModule],
  controllers: [UsersController],
  providers: [UsersService, ScimCalls],
  exports: [UsersService],
})
export class UsersModule {}
