import type { INestApplication } from '@nestjs/common';
// Only the OpenAPI generator and the tests import this module: the server never loads @nestjs/swagger.
import * as swagger from '@nestjs/swagger';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import * as terminus from '@nestjs/terminus';
import { replayDocDecorators } from './doc-decorators.js';
import { bulkSchemas } from './bulk-operation.decorators.js';
import { eventSchemas, eventWebhooks } from './event-schemas.js';
import { EXAMPLES_GUIDE } from './examples.js';
import { registryToOpenApi } from './registry-to-openapi.js';
import { sortKeys } from './sort-keys.js';
import { scimRegistry } from '../modules/scim/scim-registry.js';

/** An http bearer scheme without Nest's default `bearerFormat: 'JWT'`. */
function bearer(description: string): NonNullable<Parameters<DocumentBuilder['addBearerAuth']>[0]> {
  return { type: 'http', scheme: 'bearer', bearerFormat: undefined, description };
}

/**
 * The only builder of the OpenAPI document: `npm run openapi` and the tests share it (the server serves the
 * committed file).
 * Routes come from the controllers' decorators; the SCIM resource schemas from the schema registry that
 * validates requests. Keys are sorted so the committed file is stable.
 */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  // The controllers' and DTOs' documentation decorators only recorded themselves (doc-decorators.ts).
  replayDocDecorators({ swagger, terminus });
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('SCIM 2.0 provisioning server')
    .setDescription(
      'SCIM 2.0 (RFC 7643, RFC 7644) service provider for Okta and Microsoft Entra ID. ' +
        'SCIM routes live under /scim/v2 and take a tenant API key as a bearer token ' +
        '(Authorize with the key); they accept and answer application/scim+json. ' +
        'Errors are SCIM errors (RFC 7644 §3.12) with `status` as a string.\n\n' +
        EXAMPLES_GUIDE,
    )
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // Relative: Swagger UI's "Try it out" calls the server that serves the page.
    .addServer('/', 'This server')
    // The order Swagger UI shows the groups of operations in (paths are sorted, so it would be alphabetical).
    .addTag('Users', 'SCIM Users (RFC 7644 §3): Okta and Entra create, update, deactivate and delete them.')
    .addTag('Groups', 'SCIM Groups and their members (RFC 7644 §3).')
    .addTag('Search', 'One query over Users and Groups (RFC 7644 §3.4.3).')
    .addTag('Bulk', 'Many operations in one request, with bulkId references (RFC 7644 §3.7).')
    .addTag('Discovery', 'What the server supports (RFC 7644 §4).')
    .addTag(
      'admin',
      'The operator API: tenants, their API keys, setup links and audit trail (bearer ADMIN_TOKEN or a console session).',
    )
    .addTag(
      'team',
      "The team's read API: members with roles and groups, groups with counts, connection health.",
    )
    .addTag('console', 'The web console’s sign-in (docs/console.md).')
    .addTag('events', 'Change events of SCIM writes (docs/events.md): the events API and the webhooks.')
    .addTag(
      'webhooks',
      'Webhook endpoints: change events delivered as signed Standard Webhooks (docs/events.md, "Webhooks").',
    )
    .addTag('health', 'Liveness and readiness probes (no authentication).')
    // Nest's addBearerAuth defaults bearerFormat to "JWT", which neither token is: bearer() drops that
    // optional hint and the description gives the real format.
    .addBearerAuth(
      bearer('Tenant API key, as created by the CLI or the operator API: `scim_<key id>_<secret>`.'),
      'tenantKey',
    )
    .addBearerAuth(
      bearer('Operator token: the value of ADMIN_TOKEN (any string of 16 or more characters).'),
      'adminToken',
    )
    .addCookieAuth(
      'scim_console',
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'The console session (POST /console/api/session). State-changing requests made with it also send X-CSRF-Token.',
      },
      'consoleSession',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller, method) => method,
  });
  // Nest appends a bare tag for every @ApiTags after the declared ones: keep the declared, described one.
  document.tags = (document.tags ?? []).filter(
    (tag, index, tags) => tags.findIndex((other) => other.name === tag.name) === index,
  );
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...registryToOpenApi(scimRegistry),
      ...eventSchemas(),
      ...bulkSchemas(),
    },
  };
  // OpenAPI 3.1 webhooks: what a receiver of change events gets, one entry per event type.
  (document as { webhooks?: unknown }).webhooks = eventWebhooks();
  return sortKeys(document);
}
