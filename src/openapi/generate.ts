import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../app.factory.js';
import { loadConfig } from '../config/config.js';
import { buildOpenApi } from './build-openapi.js';

/** Nothing listens on the discard port: the app is built and closed without ever querying. */
const NO_DATABASE = 'postgres://openapi:unused@127.0.0.1:9/openapi';

/**
 * The document as `npm run openapi` commits it: built from the application itself, without a database
 * (MikroORM 7 connects lazily, so building and closing the app sends no query). ADMIN_TOKEN is set so
 * the operator API is part of the document whatever the deployment enables.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await createApp({
    config: loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN: 'openapi-document-generator' }),
    databaseUrl: NO_DATABASE,
    docs: false,
  });
  try {
    return buildOpenApi(app);
  } finally {
    await app.close();
  }
}
