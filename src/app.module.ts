import { type DynamicModule, Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { ormConfig } from './database/mikro-orm.config.js';
import type { Logger } from 'pino';
import { GroupsModule } from './modules/groups/groups.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { AdminModule } from './modules/admin/admin.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ConsoleAuthModule } from './modules/console-auth/console-auth.module.js';
import { TeamModule } from './modules/team/team.module.js';
import { BulkModule } from './modules/bulk/bulk.module.js';
import { MeModule } from './modules/me/me.module.js';
import { DiscoveryModule } from './modules/discovery/discovery.module.js';
import { TenantsModule } from './modules/tenants/tenants.module.js';
import { SearchModule } from './modules/search/search.module.js';
import { UsersModule } from './modules/users/users.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';

export interface AppModuleOptions {
  config: AppConfig;
  /** Resolved database URL: DATABASE_URL or the embedded cluster's. */
  databaseUrl: string;
  /** The root pino logger that Fastify also writes request lines to. */
  logger: Logger;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // Nest's own log lines go to the same pino logger; request lines come from Fastify's hooks.
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true }),
        // The driver must be named here, or Nest cannot inject the EntityManager.
        MikroOrmModule.forRoot({
          ...ormConfig({
            databaseUrl,
            timeouts: { statementMs: config.dbStatementTimeoutMs, acquireMs: config.dbAcquireTimeoutMs },
            preparedStatements: config.dbPreparedStatements,
          }),
          driver: PostgreSqlDriver,
          // No unit of work per request: SCIM requests run their SQL on a pipelined connection of their own
          // (Database.transaction), and the few that use the ORM fork it themselves (Database.system).
          registerRequestContext: false,
        }),
        HealthModule,
        AuthModule,
        TenantsModule,
        AuditModule,
        AdminModule,
        ConsoleAuthModule,
        TeamModule,
        UsersModule,
        GroupsModule,
        SearchModule,
        DiscoveryModule,
        BulkModule,
        MeModule,
        WebhooksModule,
      ],
    };
  }
}
