import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { clientTypes } from '../../src/openapi/client-types.js';
import { generateOpenApiDocument } from '../../src/openapi/generate.js';
import { stableJson } from '../../src/openapi/sort-keys.js';
import { Contract, COMMITTED_DOCUMENT } from '../support/contract.js';

const CLIENT_TYPES = resolve(import.meta.dirname, '../../clients/typescript/schema.d.ts');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId?: string;
  responses: Record<string, Json>;
  security?: Record<string, unknown[]>[];
  requestBody?: { content: Record<string, { schema?: Json; examples?: Record<string, { value: unknown }> }> };
}

function operations(document: OpenAPIObject): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => (item as Json)[m]).map(
      (m) => [path, m, (item as Json)[m] as Operation] as [string, string, Operation],
    ),
  );
}

describe('the committed OpenAPI document and client types (npm run openapi)', () => {
  let document: OpenAPIObject;
  let committed: string;
  beforeAll(async () => {
    document = await generateOpenApiDocument();
    committed = readFileSync(COMMITTED_DOCUMENT, 'utf8');
  });

  it('openapi/openapi.json is exactly what the application builds; run `npm run openapi` if not', () => {
    expect(committed).toBe(stableJson(document));
  });

  it('clients/typescript/schema.d.ts is generated from it; run `npm run openapi` if not', async () => {
    expect(readFileSync(CLIENT_TYPES, 'utf8')).toBe(await clientTypes(committed));
  });

  it('is OpenAPI 3.1 with the tenantKey bearer scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components?.securitySchemes?.tenantKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('PATCH documents 200 with the resource and no 204: the server always answers the resource', () => {
    // /Me answers 501 to every method (RFC 7644 §3.11): it has no resource to answer with.
    const patches = operations(document).filter(
      ([path, method]) => method === 'patch' && path !== '/scim/v2/Me',
    );
    expect(patches.map(([path]) => path).sort()).toEqual([
      '/admin/v1/tenants/{id}',
      '/admin/v1/webhook-endpoints/{endpointId}',
      '/scim/v2/Groups/{id}',
      '/scim/v2/Users/{id}',
    ]);
    for (const [path, , op] of patches) {
      expect([path, Object.keys(op.responses).filter((status) => status.startsWith('2'))]).toEqual([
        path,
        ['200'],
      ]);
    }
  });

  it('bearer schemes say what the tokens are: no bearerFormat (neither is a JWT), the format in prose', () => {
    const { consoleSession, ...schemes } = document.components?.securitySchemes ?? {};
    expect(Object.keys(schemes).sort()).toEqual(['adminToken', 'tenantKey']);
    for (const scheme of Object.values(schemes)) {
      expect(scheme).toEqual({ type: 'http', scheme: 'bearer', description: expect.any(String) });
    }
    // The console's session: an HttpOnly cookie (docs/console.md), not a bearer token.
    expect(consoleSession).toEqual({
      type: 'apiKey',
      in: 'cookie',
      name: 'scim_console',
      description: expect.stringContaining('X-CSRF-Token'),
    });
    expect((schemes.tenantKey as { description: string }).description).toContain('scim_<key id>_<secret>');
    expect((schemes.adminToken as { description: string }).description).toContain('ADMIN_TOKEN');
  });

  it('declares exactly the tags operations use, in the order Swagger UI shows them', () => {
    const used = new Set(operations(document).flatMap(([, , op]) => (op.tags as string[] | undefined) ?? []));
    const declared = (document.tags ?? []).map((tag) => tag.name);
    expect([...declared].sort()).toEqual([...used].sort());
    expect(declared.slice(0, 2)).toEqual(['Users', 'Groups']);
  });

  it('every operationId is unique and reads as a client method name (verb first)', () => {
    const ids = operations(document).map(([, , op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z]+[A-Z][A-Za-z]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every SCIM operation takes the tenant key and documents 401, 429 and 500 as SCIM errors', () => {
    const scim = operations(document).filter(([path]) => path.startsWith('/scim/v2'));
    expect(scim.length).toBeGreaterThanOrEqual(20);
    for (const [path, method, op] of scim) {
      const where = `${method.toUpperCase()} ${path}`;
      expect([where, op.security]).toEqual([where, [{ tenantKey: [] }]]);
      for (const status of ['401', '429', '500']) {
        expect([where, status, op.responses[status]?.content]).toEqual([
          where,
          status,
          {
            'application/scim+json': expect.objectContaining({
              schema: { $ref: '#/components/schemas/Error' },
            }),
          },
        ]);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const media = Object.keys((response.content as Json | undefined) ?? {});
        expect([where, status, media.filter((m) => m !== 'application/scim+json')]).toEqual([
          where,
          status,
          [],
        ]);
      }
    }
  });

  it('every SCIM request body is described for application/scim+json and application/json', () => {
    for (const [path, method, op] of operations(document).filter(([p]) => p.startsWith('/scim/v2'))) {
      if (!op.requestBody) continue;
      expect([`${method} ${path}`, Object.keys(op.requestBody.content).sort()]).toEqual([
        `${method} ${path}`,
        ['application/json', 'application/scim+json'],
      ]);
    }
  });

  it('every example in the document is valid against its schema', () => {
    const contract = new Contract(JSON.parse(committed) as ConstructorParameters<typeof Contract>[0]);
    let checked = 0;
    for (const [path, method, op] of operations(document)) {
      const media = [
        ...Object.values(op.requestBody?.content ?? {}),
        ...Object.values(op.responses).flatMap((r) =>
          Object.values((r.content ?? {}) as Record<string, Json>),
        ),
      ] as { schema?: Json; examples?: Record<string, { value: unknown }> }[];
      for (const { schema, examples } of media) {
        for (const [name, { value }] of Object.entries(examples ?? {})) {
          checked++;
          expect([`${method} ${path} example ${name}`, contract.validate(schema ?? {}, value)]).toEqual([
            `${method} ${path} example ${name}`,
            [],
          ]);
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
