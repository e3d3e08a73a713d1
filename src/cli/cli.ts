import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { ScimError } from '../domain/errors.js';
import type { ApiKeysService } from '../modules/auth/api-keys.service.js';
import type { TenantsService } from '../modules/tenants/tenants.service.js';
import type { SetupLinksService } from '../modules/console-auth/setup-links.service.js';
import type { AppConfig } from '../config/config.js';
import type { WebhooksService } from '../modules/webhooks/webhooks.service.js';

export const USAGE = `usage: npm run cli -- <command>        (in the Docker image: node dist/src/cli/main.js <command>)
  tenants create <name>                                      a tenant and its first API key
  tenants list
  tenants delete <tenantId>                                  with all its keys and data
  keys create <tenantId> [--name <name>] [--expires-at <ISO 8601>]
  keys list <tenantId>
  keys revoke <tenantId> <keyId>
  setup-links create <tenantId> [--expires-at <ISO 8601>]   a console setup link (its URL printed once)
  setup-links list <tenantId>
  setup-links revoke <tenantId> <linkId>                     ends the sessions it started too
  webhooks create <url> [--tenant <tenantId>] [--types <type,…>] [--description <text>]
                                                             an endpoint (every tenant's without --tenant); prints its secret once
  webhooks list [--tenant <tenantId>]
  webhooks delete|rotate|test <endpointId>                   rotate: a new secret, the old one signs 24 h more
Uses DATABASE_URL, else the embedded PostgreSQL under DATA_DIR (a running server's, if any).
Prints JSON; an API key is printed once, when created.`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

type Services = {
  tenants: TenantsService;
  apiKeys: ApiKeysService;
  setupLinks: SetupLinksService;
  webhooks: WebhooksService;
  config: AppConfig;
};
/** What the audit trail records for changes made with the CLI: the operator's. */
const CLI_CALL = { actor: 'operator', requestId: 'cli' };
type Command = (services: Services) => Promise<unknown>;
/** `--help`/`-h`: the usage on stdout, exit 0, no database. */
const HELP = Symbol('help');

class UsageError extends Error {}

/** Runs one CLI command; returns the exit code (0 done, 1 failed, 2 bad usage). */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  let command: Command | typeof HELP;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) io.err(error.message);
    io.err(USAGE);
    return 2;
  }
  if (command === HELP) {
    io.out(USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`configuration error: ${error.message}`);
      return 2;
    }
    throw error;
  }

  // Loaded only now: Nest, MikroORM and the modules take most of a command's second, and --help and a
  // usage error need none of them.
  const [
    { NestFactory },
    { migrateDatabase },
    { openCliDatabase },
    { CliModule },
    auth,
    tenants,
    links,
    webhooks,
  ] = await Promise.all([
    import('@nestjs/core'),
    import('../database/migrate.js'),
    import('./cli-database.js'),
    import('./cli.module.js'),
    import('../modules/auth/api-keys.service.js'),
    import('../modules/tenants/tenants.service.js'),
    import('../modules/console-auth/setup-links.service.js'),
    import('../modules/webhooks/webhooks.service.js'),
  ]);
  const database = await openCliDatabase(config);
  try {
    // Like the server at start, so the CLI also works on a database no server has migrated yet.
    if (config.migrateOnStart) await migrateDatabase(database.url);
    const context = await NestFactory.createApplicationContext(CliModule.forRoot(config, database.url), {
      logger: false,
      abortOnError: false,
    });
    try {
      const result = await command({
        tenants: context.get(tenants.TenantsService),
        apiKeys: context.get(auth.ApiKeysService),
        setupLinks: context.get(links.SetupLinksService),
        config,
        webhooks: context.get(webhooks.WebhooksService),
      });
      if (result !== undefined) io.out(JSON.stringify(result, null, 2));
      return 0;
    } finally {
      await context.close();
    }
  } catch (error) {
    if (error instanceof ScimError) {
      io.err(error.detail);
      return 1;
    }
    io.err(
      `failed (${database.label}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
    return 1;
  } finally {
    await database.release();
  }
}

function parseCommand(argv: string[]): Command | typeof HELP {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        'expires-at': { type: 'string' },
        tenant: { type: 'string' },
        types: { type: 'string' },
        description: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || (positionals.length === 1 && positionals[0] === 'help')) return HELP;
  const [group, action, ...rest] = positionals;
  const onlyFor = (allowed: string[]) => {
    for (const option of ['name', 'expires-at', 'tenant', 'types', 'description'] as const) {
      if (values[option] !== undefined && !allowed.includes(option)) {
        throw new UsageError(`--${option} does not apply to ${group} ${action}`);
      }
    }
  };
  const args = (count: number, names: string) => {
    if (rest.length !== count) throw new UsageError(`${group} ${action} takes ${names}`);
    return rest;
  };

  switch (`${group} ${action}`) {
    case 'tenants create': {
      onlyFor([]);
      const name = rest.join(' ').trim();
      if (!name) throw new UsageError('tenants create takes <name>');
      return ({ tenants }) => tenants.create(name);
    }
    case 'tenants list':
      onlyFor([]);
      args(0, 'no arguments');
      return ({ tenants }) => tenants.list();
    case 'tenants delete': {
      onlyFor([]);
      const [tenantId] = args(1, '<tenantId>');
      return async ({ tenants }) => {
        await tenants.delete(tenantId);
        return { deleted: tenantId };
      };
    }
    case 'keys create': {
      onlyFor(['name', 'expires-at']);
      const [tenantId] = args(1, '<tenantId>');
      const name = values.name?.trim();
      if (values.name !== undefined && !name) throw new UsageError('--name must not be blank');
      const expiresAt = values['expires-at'] === undefined ? undefined : new Date(values['expires-at']);
      if (expiresAt && Number.isNaN(expiresAt.getTime())) {
        throw new UsageError('--expires-at must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z');
      }
      return ({ apiKeys }) => apiKeys.create(tenantId, { name, expiresAt });
    }
    case 'keys list': {
      onlyFor([]);
      const [tenantId] = args(1, '<tenantId>');
      return ({ apiKeys }) => apiKeys.list(tenantId);
    }
    case 'keys revoke': {
      onlyFor([]);
      const [tenantId, keyId] = args(2, '<tenantId> <keyId>');
      return async ({ apiKeys }) => {
        await apiKeys.revoke(tenantId, keyId);
        return { revoked: keyId };
      };
    }
    case 'setup-links create': {
      onlyFor(['expires-at']);
      const [tenantId] = args(1, '<tenantId>');
      const expiresAt = values['expires-at'] === undefined ? undefined : new Date(values['expires-at']);
      if (expiresAt && Number.isNaN(expiresAt.getTime())) {
        throw new UsageError('--expires-at must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z');
      }
      // Without PUBLIC_URL the link points at this machine's server on PORT.
      return ({ setupLinks, config }) =>
        setupLinks.create(tenantId, { expiresAt }, CLI_CALL, `http://localhost:${config.port}`);
    }
    case 'setup-links list': {
      onlyFor([]);
      const [tenantId] = args(1, '<tenantId>');
      return async ({ setupLinks }) => ({ setupLinks: await setupLinks.list(tenantId) });
    }
    case 'setup-links revoke': {
      onlyFor([]);
      const [tenantId, linkId] = args(2, '<tenantId> <linkId>');
      return async ({ setupLinks }) => {
        await setupLinks.revoke(tenantId, linkId, CLI_CALL);
        return { revoked: linkId };
      };
    }
    case 'webhooks create': {
      onlyFor(['tenant', 'types', 'description']);
      const [url] = args(1, '<url>');
      const body = {
        url,
        ...(values.types !== undefined
          ? { eventTypes: values.types.split(',').map((type) => type.trim()) }
          : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
      };
      return ({ webhooks }) => webhooks.create(values.tenant ?? null, body);
    }
    case 'webhooks list':
      onlyFor(['tenant']);
      args(0, 'no arguments (--tenant <tenantId> for one tenant)');
      return ({ webhooks }) => webhooks.list(values.tenant);
    case 'webhooks delete': {
      onlyFor([]);
      const [endpointId] = args(1, '<endpointId>');
      return async ({ webhooks }) => {
        await webhooks.delete(endpointId);
        return { deleted: endpointId };
      };
    }
    case 'webhooks rotate': {
      onlyFor([]);
      const [endpointId] = args(1, '<endpointId>');
      return ({ webhooks }) => webhooks.rotate(endpointId, {});
    }
    case 'webhooks test': {
      onlyFor([]);
      const [endpointId] = args(1, '<endpointId>');
      return ({ webhooks }) => webhooks.test(endpointId);
    }
    default:
      throw new UsageError(positionals.length ? `unknown command: ${positionals.slice(0, 2).join(' ')}` : '');
  }
}
