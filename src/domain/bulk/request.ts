import { ScimError } from '../errors.js';
import { isPlainObject } from '../schema/json.js';
import type { ResourceTypeName } from '../schema/types.js';
import { BULK_REQUEST_SCHEMA } from '../schema/urns.js';
import { BULK_ID_PREFIX, bulkIdsIn } from './references.js';

/** RFC 7644 §3.7: the methods an operation of a Bulk request may have. */
export const BULK_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BulkMethod = (typeof BULK_METHODS)[number];

/** What the server accepts in one Bulk request (advertised in ServiceProviderConfig.bulk). */
export interface BulkLimits {
  maxOperations: number;
  maxPayloadSize: number;
}

/**
 * One operation of a Bulk request as read. An operation the server cannot run (no method, a path to
 * no resource type, …) carries its `error`: it is answered with it when its turn comes and changes
 * nothing; the others still run (each operation is its own unit).
 */
export interface BulkOperation {
  /** Its position in the request's Operations. */
  index: number;
  method: BulkMethod | string;
  bulkId?: string;
  /** If-Match of this operation (RFC 7644 §3.7: "version"). */
  version?: string;
  path?: string;
  resourceType?: ResourceTypeName;
  /** The resource the operation addresses (PUT, PATCH, DELETE): an id, or `bulkId:<id>`. */
  id?: string;
  data?: unknown;
  /** The bulkIds this operation names (`bulkId:<id>` in its path or its data), each once. */
  references: string[];
  error?: ScimError;
}

export interface BulkRequest {
  /** Stop after this many failed operations (RFC 7644 §3.7.3); undefined: run them all. */
  failOnErrors?: number;
  operations: BulkOperation[];
}

const ENDPOINTS: Record<string, ResourceTypeName> = { users: 'User', groups: 'Group' };

function invalidSyntax(detail: string): ScimError {
  return ScimError.badRequest('invalidSyntax', detail);
}

/** Reads `key` of a JSON object ignoring case (RFC 7643 §2.1); two spellings of it are ambiguous. */
function member(obj: Record<string, unknown>, key: string, where: string): unknown {
  const wanted = key.toLowerCase();
  const keys = Object.keys(obj).filter((k) => k.toLowerCase() === wanted);
  if (keys.length > 1) throw invalidSyntax(`${where} has "${key}" more than once (${keys.join(', ')}).`);
  return keys.length === 1 ? obj[keys[0]] : undefined;
}

/**
 * Reads a BulkRequest (RFC 7644 §3.7). The request as a whole is refused (400 invalidSyntax, or 413
 * beyond `maxOperations`) only when it is not a BulkRequest at all; a bad operation is answered on
 * its own (see BulkOperation.error).
 */
export function parseBulkRequest(body: unknown, limits: Pick<BulkLimits, 'maxOperations'>): BulkRequest {
  if (!isPlainObject(body))
    throw invalidSyntax('The Bulk body must be a JSON object with "schemas" and "Operations".');
  const schemas = member(body, 'schemas', 'The Bulk body');
  const wanted = BULK_REQUEST_SCHEMA.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === wanted)) {
    throw invalidSyntax(`The Bulk body must list "${BULK_REQUEST_SCHEMA}" in "schemas" (RFC 7644 §3.7).`);
  }
  const failOnErrors = member(body, 'failOnErrors', 'The Bulk body');
  if (
    failOnErrors !== undefined &&
    failOnErrors !== null &&
    !(typeof failOnErrors === 'number' && Number.isSafeInteger(failOnErrors) && failOnErrors >= 1)
  ) {
    throw ScimError.badRequest('invalidValue', '"failOnErrors" must be an integer of at least 1.');
  }
  const operations = member(body, 'Operations', 'The Bulk body');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('"Operations" must be a non-empty array of operations.');
  }
  if (operations.length > limits.maxOperations) {
    throw new ScimError(
      413,
      `The number of operations (${operations.length}) exceeds maxOperations (${limits.maxOperations}).`,
    );
  }
  const parsed = operations.map((raw, index) => parseOperation(raw, index));
  // A bulkId names one new resource: a second POST with it is answered with an error of its own.
  const seen = new Map<string, number>();
  for (const op of parsed) {
    if (op.method !== 'POST' || op.bulkId === undefined) continue;
    const first = seen.get(op.bulkId);
    if (first === undefined) seen.set(op.bulkId, op.index);
    else
      op.error ??= ScimError.badRequest(
        'invalidValue',
        `bulkId "${op.bulkId}" is already used by operation ${first}; a bulkId must be unique in the request.`,
      );
  }
  return {
    ...(typeof failOnErrors === 'number' ? { failOnErrors } : {}),
    operations: parsed,
  };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const op: BulkOperation = { index, method: '', references: [] };
  try {
    if (!isPlainObject(raw)) throw invalidSyntax(`Operation ${index} must be a JSON object.`);
    const where = `Operation ${index}`;
    const method = member(raw, 'method', where);
    const bulkId = member(raw, 'bulkId', where);
    const version = member(raw, 'version', where);
    const path = member(raw, 'path', where);
    const data = member(raw, 'data', where);
    // The answer echoes what it can, also for an operation it refuses.
    if (typeof method === 'string') op.method = method.toUpperCase();
    if (typeof bulkId === 'string') op.bulkId = bulkId;
    if (typeof version === 'string') op.version = version;
    if (typeof path === 'string') op.path = path;
    if (!BULK_METHODS.includes(op.method as BulkMethod)) {
      throw invalidSyntax(`${where}: "method" must be one of ${BULK_METHODS.join(', ')}.`);
    }
    if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId === '' || bulkId.includes(':'))) {
      throw invalidSyntax(`${where}: "bulkId" must be a non-empty string without ":".`);
    }
    if (op.method === 'POST' && op.bulkId === undefined) {
      throw invalidSyntax(`${where}: "bulkId" is required with POST (RFC 7644 §3.7).`);
    }
    if (version !== undefined && typeof version !== 'string') {
      throw invalidSyntax(`${where}: "version" must be a string (an ETag).`);
    }
    if (typeof path !== 'string') throw invalidSyntax(`${where}: "path" must be a string.`);
    const target = parsePath(path, op.method === 'POST', where);
    op.resourceType = target.resourceType;
    if (target.id !== undefined) op.id = target.id;
    if (op.method === 'DELETE') {
      if (data !== undefined && data !== null)
        throw invalidSyntax(`${where}: a DELETE operation carries no "data".`);
    } else {
      if (!isPlainObject(data)) throw invalidSyntax(`${where}: "data" must be a JSON object.`);
      op.data = data;
    }
    op.references = [
      ...new Set([
        ...(op.id?.startsWith(BULK_ID_PREFIX) ? [op.id.slice(BULK_ID_PREFIX.length)] : []),
        ...bulkIdsIn(op.data),
      ]),
    ];
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    op.error = error;
  }
  return op;
}

/** `/Users` or `/Groups` for POST; `/Users/<id>` (the id may be `bulkId:<id>`) otherwise. */
function parsePath(
  path: string,
  creates: boolean,
  where: string,
): { resourceType: ResourceTypeName; id?: string } {
  const parts = path.replace(/^\//, '').split('/');
  const resourceType = ENDPOINTS[parts[0]?.toLowerCase() ?? ''];
  if (!resourceType) {
    throw ScimError.badRequest(
      'invalidPath',
      `${where}: "path" must start with /Users or /Groups, got "${path}".`,
    );
  }
  if (creates) {
    if (parts.length !== 1)
      throw ScimError.badRequest(
        'invalidPath',
        `${where}: a POST "path" names the resource type only, e.g. /Users.`,
      );
    return { resourceType };
  }
  if (parts.length !== 2 || parts[1] === '') {
    throw ScimError.badRequest('invalidPath', `${where}: "path" must name one resource, e.g. /Users/<id>.`);
  }
  let id: string;
  try {
    id = decodeURIComponent(parts[1]);
  } catch {
    throw ScimError.badRequest('invalidPath', `${where}: "path" is not a valid URL path.`);
  }
  return { resourceType, id };
}
