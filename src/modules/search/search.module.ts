import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { ScimCalls } from '../scim/scim-calls.js';
import { UsersModule } from '../users/users.module.js';
import { SearchController } from './search.controller.js';
import { SearchService } from './search.service.js';

@Module({
  imports: [AuthModule, UsersModule, GroupsModule],
  controllers: [SearchController],
  providers: [SearchService, ScimCalls],
})
export class SearchModule {}
