import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where the console is served; its own API (sessions) lives under /console/api, served elsewhere. */
export const CONSOLE_PREFIX = '/console';

/**
 * The console's pages may load only what the server itself serves: no inline script or style, no other
 * origin, no framing. Sent with every file of the console (HTML and assets alike).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Hashed names (Vite writes assets/<name>-<hash>.<ext>): their content never changes under that name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and the unhashed files (favicon): revalidated on each load (ETag), so a release shows at once. */
const REVALIDATE = 'no-cache';

/** A file of the build: assets/<file> or a top-level file with an extension (favicon.svg), no dotfiles. */
const FILE = /^(?:assets\/)?[\w-][\w.-]*\.[a-z0-9]+$/i;

/**
 * dist/console of the package this module belongs to: the nearest folder above it (src/modules/console-ui
 * in the sources, dist/src/modules/console-ui once built) with a package.json, else the working directory.
 */
export function consoleBuildDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
    if (dirname(dir) === dir) return join(process.cwd(), 'dist', 'console');
  }
}

/**
 * The console (console/, built by scripts/ensure-build.mjs with Vite into dist/console) at /console:
 * its files as built (precompressed .br/.gz when the client accepts them, ETag, hashed assets cached for
 * a year), and index.html for every other path under /console (the app's own routes, e.g.
 * /console/t/<id>/team). Registered in a plugin of its own: only routes under /console, no hook on any
 * other route. The build is looked up on each request for a page, so a rebuild is served without a restart.
 */
export function mountConsole(fastify: FastifyInstance, root = consoleBuildDir()): void {
  void fastify.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      serve: false,
      preCompressed: true,
      cacheControl: false,
      dotfiles: 'deny',
      index: false,
      suppressWarning: true,
      setHeaders(reply, path) {
        void reply.header('Cache-Control', path.includes(`${join(root, 'assets')}`) ? IMMUTABLE : REVALIDATE);
      },
    });

    const serve = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
      const path = request.params['*'] ?? '';
      // The console's API (sessions) is not a page: an unknown path there is the server's usual 404.
      if (path === 'api' || path.startsWith('api/')) return reply.callNotFound();
      if (!existsSync(join(root, 'index.html'))) {
        return reply
          .code(404)
          .header('Cache-Control', 'no-store')
          .type('text/plain; charset=utf-8')
          .send('The console is not built: `npm run build` (or `npm start`) builds it into dist/console.\n');
      }
      void reply.headers(SECURITY_HEADERS);
      if (FILE.test(path)) return reply.sendFile(path);
      // A path of the app (no file extension): the page, whose router shows it.
      if (/\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
      return reply.sendFile('index.html');
    };
    scope.get(CONSOLE_PREFIX, serve);
    scope.get(`${CONSOLE_PREFIX}/*`, serve);
  });
}
