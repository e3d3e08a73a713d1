import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildOpenApi } from '../../src/openapi/build-openapi.js';

/**
 * Response contract checks: a response is compared with the OpenAPI document for its operation and
 * status code. An undocumented status, a missing required header, an undocumented media type or a body
 * that does not match the schema is a violation. Requests whose path and method the document does not
 * list may only be answered 404 or 405 with a SCIM error (unknown routes, RFC 7644 §3.12).
 */

// ajv-formats is CommonJS: NodeNext types its default import as the module object, which it is not at
// run time; take the plugin from wherever it is.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as unknown as FormatsPlugin;

export const COMMITTED_DOCUMENT = resolve(import.meta.dirname, '../../openapi/openapi.json');

/** Paths that are not API operations: Swagger UI serves its page and assets there. */
const NOT_API = [/^\/docs(\/|$)/];

type Json = Record<string, unknown>;

interface OpenApiDocument {
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Json };
}

export interface ObservedResponse {
  method: string;
  /** The request URL (path and query) or a route template such as /scim/v2/Users/{id}. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The raw body text. */
  body: string;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

interface Route {
  template: string;
  pattern: RegExp;
  literalSegments: number;
}

/** A compiled view of one OpenAPI document. */
export class Contract {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; the OpenAPI-only annotations are declared as keywords.
    this.ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
    // The component schemas become the $defs of one schema that every reference points into.
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: rebase(document.components?.schemas ?? {}) });
    this.routes = Object.keys(document.paths)
      .map((template) => {
        const segments = template.split('/');
        const pattern = segments
          .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : escapeRegExp(segment)))
          .join('/');
        return {
          template,
          pattern: new RegExp(`^${pattern}$`),
          literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
        };
      })
      // A literal segment wins over a parameter: /Users/.search before /Users/{id}.
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  static fromFile(path = COMMITTED_DOCUMENT): Contract {
    return new Contract(JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument);
  }

  /** The path template of a URL, or undefined when the document has no such path. */
  routeOf(url: string): string | undefined {
    const path = url.split('?')[0].replace(/(.)\/+$/, '$1');
    if (this.document.paths[path]) return path;
    return this.routes.find((route) => route.pattern.test(path))?.template;
  }

  /** Every violation of the contract by this response; empty when it conforms. */
  check(response: ObservedResponse): string[] {
    const method = response.method.toLowerCase();
    const path = response.url.split('?')[0];
    if (NOT_API.some((pattern) => pattern.test(path))) return [];
    const what = `${response.method.toUpperCase()} ${path} → ${response.status}`;
    const template = this.routeOf(response.url);
    // HEAD is served by the GET route (Fastify exposes HEAD routes), without a body.
    const operation =
      template === undefined
        ? undefined
        : (this.document.paths[template][method] ??
          (method === 'head' ? this.document.paths[template].get : undefined));
    if (!operation) return this.checkUnlisted(response, what);

    const responses = (operation.responses ?? {}) as Record<string, Json>;
    const status = String(response.status);
    const documented = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    if (!documented) {
      return [
        `${what}: status ${status} is not documented for ${operation.operationId ?? template} ` +
          `(documented: ${Object.keys(responses).join(', ')}); add it to the route's decorators and run npm run openapi`,
      ];
    }
    const key = `${template} ${method} ${status}`;
    return [
      ...this.checkHeaders(response, documented, what),
      ...this.checkBody(response, documented, what, key),
    ];
  }

  /** Throws a ContractViolation listing every violation. */
  assert(response: ObservedResponse): void {
    const violations = this.check(response);
    if (violations.length > 0) {
      throw new ContractViolation(
        `Response does not match the OpenAPI document:\n- ${violations.join('\n- ')}`,
      );
    }
  }

  /** Errors of a value against a schema of the document (e.g. an example), as ajv messages. */
  validate(schema: Json, value: unknown): string[] {
    return this.validateBody(JSON.stringify(value), this.validator(JSON.stringify(schema), schema), 'value');
  }

  private checkUnlisted(response: ObservedResponse, what: string): string[] {
    if (response.status !== 404 && response.status !== 405) {
      return [`${what}: the document lists no ${response.method.toUpperCase()} operation for this path`];
    }
    const violations = this.validateBody(response.body, this.errorValidator(), what);
    if (response.status === 405 && header(response, 'allow') === undefined) {
      violations.push(`${what}: a 405 must name the allowed methods in an Allow header (RFC 9110 §15.5.6)`);
    }
    return violations;
  }

  private checkHeaders(response: ObservedResponse, documented: Json, what: string): string[] {
    const headers = (documented.headers ?? {}) as Record<string, Json>;
    return Object.entries(headers)
      .filter(([name, doc]) => doc.required === true && header(response, name) === undefined)
      .map(([name]) => `${what}: required response header ${name} is missing`);
  }

  private checkBody(response: ObservedResponse, documented: Json, what: string, key: string): string[] {
    const content = documented.content as Record<string, Json> | undefined;
    const isHead = response.method.toUpperCase() === 'HEAD';
    if (!content || Object.keys(content).length === 0) {
      return response.body.length > 0 && !isHead
        ? [`${what}: a body was sent but the document describes none`]
        : [];
    }
    const contentType = String(header(response, 'content-type') ?? '');
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    if (!Object.hasOwn(content, mediaType)) {
      return [
        `${what}: Content-Type "${contentType}" is not documented (documented: ${Object.keys(content).join(', ')})`,
      ];
    }
    if (isHead) return [];
    const schema = content[mediaType].schema;
    if (schema === undefined) return [];
    return this.validateBody(response.body, this.validator(`${key} ${mediaType}`, schema as Json), what);
  }

  private validateBody(body: string, validate: ValidateFunction, what: string): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [`${what}: the body is not JSON: ${body.slice(0, 200)}`];
    }
    if (validate(parsed)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${what}: body${error.instancePath || ''} ${error.message ?? 'is invalid'}` +
        (error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ''),
    );
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // References in the document (#/components/schemas/X) resolve against the components schema.
      validate = this.ajv.compile({ ...rebase(schema) });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private errorValidator(): ValidateFunction {
    return this.validator('error', { $ref: '#/components/schemas/Error' });
  }
}

const COMPONENTS_ID = 'https://scim-server.invalid/components.json';
const COMPONENT_REF = '#/components/schemas/';

/** Turns `#/components/schemas/X` references into references to the $defs registered in ajv. */
function rebase<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rebase) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof child === 'string' && child.startsWith(COMPONENT_REF)
        ? `${COMPONENTS_ID}#/$defs/${child.slice(COMPONENT_REF.length)}`
        : rebase(child);
  }
  return out as T;
}

function header(response: ObservedResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const contracts = new WeakMap<object, Contract>();

/** The contract of a running test app: the document it builds (the drift test keeps the file equal to it). */
export function contractOf(app: NestFastifyApplication): Contract {
  let contract = contracts.get(app);
  if (!contract) {
    contract = new Contract(buildOpenApi(app) as unknown as OpenApiDocument);
    contracts.set(app, contract);
  }
  return contract;
}

function observed(options: InjectOptions | string, response: LightMyRequestResponse): ObservedResponse {
  const opts = typeof options === 'string' ? { url: options, method: 'GET' } : options;
  const url = typeof opts.url === 'string' ? opts.url : ((opts.path as string | undefined) ?? '');
  const query =
    opts.query && typeof opts.query === 'object'
      ? new URLSearchParams(opts.query as Record<string, string>)
      : undefined;
  return {
    method: String(opts.method ?? 'GET'),
    url: query && query.size > 0 ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url,
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
  };
}

/** app.inject, then the response is checked against the contract (throws ContractViolation). */
export async function injectValidated(
  app: NestFastifyApplication,
  options: InjectOptions | string,
): Promise<LightMyRequestResponse> {
  const response = await app.inject(options as InjectOptions);
  contractOf(app).assert(observed(options, response));
  return response;
}

/**
 * Makes every `app.inject(options)` of this app check its response against the contract, so each HTTP
 * test is also a contract test. The chained form (`app.inject().get(...)`) is left as it is.
 */
export function validateEveryResponse(app: NestFastifyApplication): void {
  const original = app.inject.bind(app) as (options?: InjectOptions | string) => unknown;
  const validating = (options?: InjectOptions | string) => {
    if (options === undefined) return original();
    return (original(options) as Promise<LightMyRequestResponse>).then((response) => {
      contractOf(app).assert(observed(options, response));
      return response;
    });
  };
  Object.defineProperty(app, 'inject', { value: validating, configurable: true, writable: true });
}
