import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { ScimHttpModule } from '../scim-http/scim-http.module.js';
import { UsersModule } from '../users/users.module.js';
import { SearchController } from './search.controller.js';
import { SearchService } from './search.service.js';

@Module({
  imports: [ScimHttpModule, UsersModule, GroupsModule],
  controllers: [SearchController],
  providers: [SearchService],
})
export class SearchModule {}
