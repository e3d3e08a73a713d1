import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { CONSOLE_CSP, mountConsole } from '../../../src/modules/console-ui/console-ui.js';

/**
 * The console's files at /console (src/modules/console-ui): a build as Vite lays it out (index.html,
 * hashed assets, precompressed siblings), served with the caching and security headers, index.html for
 * the app's own paths, nothing else touched.
 */
describe('the console at /console', () => {
  let root: string;
  let fastify: FastifyInstance;
  const SCRIPT = 'console.log("console");'.repeat(50);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'scim-console-static-'));
    mkdirSync(join(root, 'assets'));
    mkdirSync(join(root, '.vite'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, 'assets', 'index-AbC123.js'), SCRIPT);
    writeFileSync(join(root, 'assets', 'index-AbC123.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(root, 'assets', 'index-AbC123.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(root, '.vite', 'manifest.json'), '{}');
    fastify = Fastify();
    fastify.get('/scim/v2/Users', async () => ({ ok: true }));
    fastify.get('/console/api/session', async () => ({ session: true }));
    mountConsole(fastify, root);
    await fastify.ready();
  });
  afterAll(async () => {
    await fastify.close();
    rmSync(root, { recursive: true, force: true });
  });

  it.each(['/console', '/console/', '/console/sign-in', '/console/t/1234/team', '/console/setup'])(
    '%s → index.html, revalidated on each load, with the strict CSP',
    async (url) => {
      const res = await fastify.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<title>console</title>');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
    },
  );

  it('the CSP allows only the server itself, and no inline script or style', () => {
    expect(CONSOLE_CSP).toMatch(/default-src 'none'/);
    expect(CONSOLE_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(CONSOLE_CSP).toMatch(/frame-ancestors 'none'/);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('hashed assets are cached for a year and sent precompressed when the client accepts it', async () => {
    const plain = await fastify.inject({ url: '/console/assets/index-AbC123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe(SCRIPT);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toMatch(/javascript/);

    const br = await fastify.inject({
      url: '/console/assets/index-AbC123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    const gz = await fastify.inject({
      url: '/console/assets/index-AbC123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
  });

  it('an unhashed file (the favicon) is revalidated; a conditional GET answers 304', async () => {
    const first = await fastify.inject({ url: '/console/favicon.svg' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await fastify.inject({
      url: '/console/favicon.svg',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it.each([
    '/console/assets/missing-123.js',
    '/console/missing.png',
    '/console/.vite/manifest.json',
    '/console/assets/..%2f..%2fpackage.json',
    '/console/%2e%2e/%2e%2e/package.json',
    '/console/api/unknown',
  ])('%s → 404, never a page or a file outside the build', async (url) => {
    const res = await fastify.inject({ url });
    expect([404, 403]).toContain(res.statusCode);
    expect(res.body).not.toContain('<title>console</title>');
  });

  it('leaves the other routes alone: the console API and SCIM answer as before', async () => {
    expect((await fastify.inject({ url: '/console/api/session' })).json()).toEqual({ session: true });
    const scim = await fastify.inject({ url: '/scim/v2/Users' });
    expect(scim.json()).toEqual({ ok: true });
    expect(scim.headers['content-security-policy']).toBeUndefined();
    expect(scim.headers['cache-control']).toBeUndefined();
  });

  it('without a build, /console says how to build it', async () => {
    const bare = Fastify();
    mountConsole(bare, join(root, 'not-built'));
    await bare.ready();
    const res = await bare.inject({ url: '/console/' });
    await bare.close();
    expect(res.statusCode).toBe(404);
    expect(res.body).toMatch(/npm run build/);
  });
});
