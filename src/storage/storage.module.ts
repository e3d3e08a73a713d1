import { Module } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository.js';
import { AuditRepository } from './audit.repository.js';
import { Database } from './database.js';
import { EventsRepository } from './events.repository.js';
import { GroupsRepository } from './groups.repository.js';
import { MembershipsRepository } from './memberships.repository.js';
import { TenantsRepository } from './tenants.repository.js';
import { UsersRepository } from './users.repository.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { ScimConnectionRepository } from './scim-connection.repository.js';
import { SetupLinksRepository } from './setup-links.repository.js';
import { TeamRepository } from './team.repository.js';

const PROVIDERS = [
  Database,
  TenantsRepository,
  ApiKeysRepository,
  UsersRepository,
  GroupsRepository,
  MembershipsRepository,
  AuditRepository,
  EventsRepository,
  SetupLinksRepository,
  ConsoleSessionsRepository,
  TeamRepository,
  ScimConnectionRepository,
];

/**
 * The storage layer: the Database (transactions, tenant scope) and one repository per table. The
 * only place that issues SQL (lint rule); modules import it, it imports no module.
 */
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class StorageModule {}
