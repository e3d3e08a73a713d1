import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * Swagger UI at /docs, checked the way a browser loads it: the page, every script, stylesheet and icon
 * it references, and the document it renders.
 */
describe('Swagger UI at /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('serves the page and every asset it references', async () => {
    const page = await get('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const references = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const assets = references.filter((ref) => !/^(https?:|data:|#)/.test(ref));
    expect(assets).toEqual(
      expect.arrayContaining([
        './docs/swagger-ui.css',
        './docs/swagger-ui-bundle.js',
        './docs/swagger-ui-standalone-preset.js',
        './docs/swagger-ui-init.js',
      ]),
    );
    for (const asset of assets) {
      const path = new URL(asset, 'http://localhost/docs').pathname;
      const res = await get(path);
      const type = String(res.headers['content-type']);
      expect([path, res.statusCode]).toEqual([path, 200]);
      expect(res.rawPayload.length).toBeGreaterThan(100);
      if (path.endsWith('.js')) expect(type).toMatch(/javascript/);
      if (path.endsWith('.css')) expect(type).toMatch(/^text\/css/);
      if (path.endsWith('.png')) expect(type).toMatch(/^image\/png/);
    }
  });

  it('initialises the UI with the served document, keeping the tenant key across reloads (Authorize)', async () => {
    const init = await get('/docs/swagger-ui-init.js');
    expect(init.statusCode).toBe(200);
    expect(init.headers['content-type']).toMatch(/javascript/);
    expect(init.body).toContain('"persistAuthorization": true');
    expect(init.body).toContain('"deepLinking": true');
    expect(init.body).toContain("new URL('openapi.json', document.currentScript.src)");
  });

  it('serves the committed openapi/openapi.json byte for byte (the server does not rebuild it)', async () => {
    const res = await get('/docs/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toBe(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
  });

  it('answers 304 to a revalidation of an unchanged file', async () => {
    for (const url of ['/docs', '/docs/openapi.json', '/docs/swagger-ui-bundle.js']) {
      const first = await get(url);
      expect(first.headers.etag).toEqual(expect.any(String));
      const again = await t.app.inject({
        method: 'GET',
        url,
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect([url, again.statusCode, again.rawPayload.length]).toEqual([url, 304, 0]);
    }
  });

  it('serves the same page at /docs/ and /docs/index.html, its assets relative to /docs/', async () => {
    for (const url of ['/docs/', '/docs/index.html']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('src="./swagger-ui-init.js"');
    }
  });

  it('serves the raw document at /docs/openapi.json, with the bearer scheme and the SCIM media type', async () => {
    const res = await get('/docs/openapi.json');
    expect(res.statusCode).toBe(200);
    const document = JSON.parse(res.body);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.tenantKey).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    const spc = document.paths['/scim/v2/ServiceProviderConfig'].get;
    expect(spc.security).toEqual([{ tenantKey: [] }]);
    expect(Object.keys(spc.responses['200'].content)).toEqual(['application/scim+json']);
    // "Try it out" preselects the first media type of a body: SCIM's.
    for (const [path, method] of [
      ['/scim/v2/Users', 'post'],
      ['/scim/v2/Groups/{id}', 'patch'],
    ]) {
      expect(Object.keys(document.paths[path][method].requestBody.content)).toEqual([
        'application/scim+json',
        'application/json',
      ]);
    }
    // "Try it out" resolves requests against the page's own origin.
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });
});
