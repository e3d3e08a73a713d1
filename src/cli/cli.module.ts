import { type DynamicModule, Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config/config.js';
import { ConfigModule } from '../config/config.module.js';
import { ormConfig } from '../database/mikro-orm.config.js';
import { AuditModule } from '../modules/audit/audit.module.js';
import { AuthModule } from '../modules/auth/auth.module.js';
import { ConsoleAuthModule } from '../modules/console-auth/console-auth.module.js';
import { TenantsModule } from '../modules/tenants/tenants.module.js';
import { WebhookWorkerModule } from '../modules/webhooks/webhooks.module.js';

/** What the CLI needs: the ORM and the same tenant, key, audit and webhook services as the operator API. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        MikroOrmModule.forRoot({ ...ormConfig({ databaseUrl }), driver: PostgreSqlDriver }),
        AuthModule,
        TenantsModule,
        AuditModule,
        ConsoleAuthModule,
        WebhookWorkerModule,
      ],
    };
  }
}
