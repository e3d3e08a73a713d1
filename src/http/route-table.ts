import type { FastifyInstance } from 'fastify';

/**
 * The routes the server has, by path pattern, so that a request for a known path with a method it does
 * not support answers 405 with Allow (RFC 9110 §15.5.6) instead of 404, e.g. POST /ServiceProviderConfig.
 */
export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  /** Must run before routes are registered (the onRoute hook sees only later ones). */
  watch(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) =>
        m.toUpperCase(),
      );
      const pattern = patternOf(route.url);
      const existing = this.routes.find((r) => r.pattern.source === pattern.source);
      if (existing) methods.forEach((m) => existing.methods.add(m));
      else this.routes.push({ pattern, methods: new Set(methods) });
    });
  }

  /** The methods a path supports; empty when no route has this path. */
  allowedMethods(path: string): string[] {
    const clean = path.split('?')[0].replace(/\/+$/, '') || '/';
    const found = new Set<string>();
    for (const route of this.routes)
      if (route.pattern.test(clean)) route.methods.forEach((m) => found.add(m));
    return [...found].sort();
  }
}

function patternOf(url: string): RegExp {
  const escaped = url
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped || '/'}$`);
}
