import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The only builder of the OpenAPI document: the running app, the tests and `npm run openapi` share it. */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('SCIM 2.0 provisioning server')
    .setDescription(
      'SCIM 2.0 (RFC 7643, RFC 7644) service provider for Okta and Microsoft Entra ID. ' +
        'SCIM routes live under /scim/v2 and take a tenant API key as a bearer token.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Tenant API key' }, 'tenantKey')
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
}

/** Swagger UI at /docs and the raw document at /docs/openapi.json. */
export function mountSwaggerUi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    swaggerOptions: { persistAuthorization: true },
  });
}
