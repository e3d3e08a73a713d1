import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The committed document, relative to the package root (`npm run openapi` writes it). */
const DOCUMENT_PATH = join('openapi', 'openapi.json');

/** Swagger UI's own files that the page loads, with their media types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * The Swagger UI settings: "Authorize" keeps the tenant key across reloads, and /docs#/Users/createUser
 * opens that operation. The document comes from /docs/openapi.json, next to this script.
 */
const UI_OPTIONS = { dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true };

const INIT_JS = `const documentUrl = new URL('openapi.json', document.currentScript.src).href;
const options = ${JSON.stringify(UI_OPTIONS, null, 2)};
window.onload = function () {
  window.ui = SwaggerUIBundle({
    ...options,
    url: documentUrl,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

/** The page; `base` is where its assets are relative to it ("./docs/" from /docs, "./" from /docs/). */
function page(base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>SCIM 2.0 provisioning server: API</title>
  <link rel="stylesheet" type="text/css" href="${base}swagger-ui.css">
  <link rel="icon" type="image/png" href="${base}favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${base}favicon-16x16.png" sizes="16x16">
  <style>
    html { box-sizing: border-box; overflow-y: scroll; }
    *, *:before, *:after { box-sizing: inherit; }
    body { margin: 0; background: #fafafa; }
    /* One document: no URL box to explore others. */
    .swagger-ui .topbar .download-url-wrapper { display: none; }
  </style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}swagger-ui-bundle.js"></script>
  <script src="${base}swagger-ui-standalone-preset.js"></script>
  <script src="${base}swagger-ui-init.js"></script>
</body>
</html>
`;
}

/**
 * The package root: the nearest folder above this module (src/http in the sources, dist/src/http once
 * built) that holds the committed document, else the working directory (a build emitted elsewhere, like
 * the benchmark's, runs from the repository).
 */
export function findOpenApiDocument(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, DOCUMENT_PATH))) return join(dir, DOCUMENT_PATH);
    if (dirname(dir) === dir) break;
  }
  const fromWorkingDirectory = join(process.cwd(), DOCUMENT_PATH);
  return existsSync(fromWorkingDirectory) ? fromWorkingDirectory : undefined;
}

function etagOf(content: string | Buffer): string {
  return `"${createHash('sha256').update(content).digest('base64url').slice(0, 27)}"`;
}

/**
 * Swagger UI at /docs and the committed OpenAPI document at /docs/openapi.json. The document is read
 * once here, at boot, and served as committed: the server never builds it (`npm run openapi` does, from
 * the app). Swagger UI's files come from swagger-ui-dist as they are on disk.
 */
export function mountDocsUi(fastify: FastifyInstance): void {
  const documentPath = findOpenApiDocument();
  if (!documentPath) {
    throw new Error(
      `${DOCUMENT_PATH} is missing: it is served at /docs and must ship with the server (npm run openapi writes it)`,
    );
  }
  // Bytes, off the JavaScript heap: as a string the document would take twice its size (it is not Latin-1).
  const document = readFileSync(documentPath);
  const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assetsVersion = (
    JSON.parse(readFileSync(join(assetsDir, 'package.json'), 'utf8')) as { version: string }
  ).version;

  const send = (type: string, etag: string, body: () => unknown) =>
    function (request: FastifyRequest, reply: FastifyReply) {
      // Revalidated on each load (a new release changes them under the same URL), cheap when unchanged.
      void reply.header('Cache-Control', 'no-cache').header('ETag', etag);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type(type).send(body());
    };

  const html = (content: string) => send('text/html; charset=utf-8', etagOf(content), () => content);
  fastify.get('/docs', html(page('./docs/')));
  fastify.get('/docs/', html(page('./')));
  fastify.get('/docs/index.html', html(page('./')));
  fastify.get(
    '/docs/openapi.json',
    send('application/json; charset=utf-8', etagOf(document), () => document),
  );
  fastify.get(
    '/docs/swagger-ui-init.js',
    send('application/javascript; charset=utf-8', etagOf(INIT_JS), () => INIT_JS),
  );
  for (const [name, type] of Object.entries(ASSETS)) {
    const file = join(assetsDir, name);
    fastify.get(
      `/docs/${name}`,
      send(type, `"swagger-ui-dist-${assetsVersion}-${name}"`, () => createReadStream(file)),
    );
  }
}
