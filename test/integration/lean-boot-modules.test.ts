import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Packages only the OpenAPI generator needs: the server must not load them (idle memory). */
const GENERATOR_ONLY = ['/@nestjs/swagger/', '/es-toolkit/', '/js-yaml/'];
/** Tracing is loaded only with OTEL_EXPORTER_OTLP_ENDPOINT set (unset here): off is free. */
const TRACING_ONLY = [
  '/@opentelemetry/sdk-trace/',
  '/@opentelemetry/exporter-trace-otlp-http/',
  '/dist/src/tracing/',
];

/**
 * The console's build and test tools are dev dependencies (absent from a production install): the server
 * serves the built files and never loads them.
 */
const CONSOLE_BUILD_ONLY = [
  '/node_modules/vite/',
  '/node_modules/react/',
  '/node_modules/react-dom/',
  '/node_modules/react-router/',
  '/node_modules/@tanstack/',
  '/node_modules/playwright-core/',
];

/** Records every module URL the child resolves, ESM and CommonJS alike (synchronous hooks, in thread). */
const RECORD_MODULES = `
  import { registerHooks } from 'node:module';
  globalThis.loadedModules = new Set();
  registerHooks({
    resolve(specifier, context, next) {
      const result = next(specifier, context);
      globalThis.loadedModules.add(result.url);
      return result;
    },
  });
`;

/**
 * The server's application as production builds it (dist/, compiled by scripts/ensure-build.mjs), in a
 * fresh Node.js: every module it loads. No database is needed: MikroORM connects lazily and the app is
 * closed without serving a request, as the OpenAPI generator does.
 */
function modulesLoadedByTheServer(): string[] {
  const build = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
  const script = `
    const { createApp } = await import(${JSON.stringify(pathToFileURL(resolve('dist/src/app.factory.js')).href)});
    const { loadConfig } = await import(${JSON.stringify(pathToFileURL(resolve('dist/src/config/config.js')).href)});
    const app = await createApp({
      config: loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN: 'lean-boot-modules-test' }),
      databaseUrl: 'postgres://lean:unused@127.0.0.1:9/lean',
    });
    await app.close();
    console.log(JSON.stringify([...globalThis.loadedModules]));
  `;
  const child = spawnSync(
    process.execPath,
    [
      '--no-warnings',
      '--import',
      `data:text/javascript,${encodeURIComponent(RECORD_MODULES)}`,
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('the modules the server loads', () => {
  it('include the application and none of the OpenAPI generator-only or tracing packages', () => {
    const modules = modulesLoadedByTheServer();
    expect(modules.some((url) => url.endsWith('/dist/src/app.module.js'))).toBe(true);
    expect(modules.filter((url) => GENERATOR_ONLY.some((part) => url.includes(part)))).toEqual([]);
    expect(modules.filter((url) => TRACING_ONLY.some((part) => url.includes(part)))).toEqual([]);
  });

  it("serve the console's built files with @fastify/static, loading none of its build tools", () => {
    const modules = modulesLoadedByTheServer();
    expect(modules.some((url) => url.endsWith('/dist/src/modules/console-ui/console-ui.js'))).toBe(true);
    expect(modules.some((url) => url.includes('/node_modules/@fastify/static/'))).toBe(true);
    expect(modules.filter((url) => CONSOLE_BUILD_ONLY.some((part) => url.includes(part)))).toEqual([]);
  });
});
