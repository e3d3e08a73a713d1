/** Reading a PATCH request body (RFC 7644 §3.5.2) into operations. */
import { ScimError } from '../errors.js';
import { parsePath } from '../filter/parser.js';
import { assertStorableJson } from '../schema/json.js';
import { PATCH_OP_SCHEMA } from '../schema/urns.js';
import { ENTRA_OP_NAME_CASE, normalizeOpName, removeMembersByValue } from '../dialects/entra.js';
import { findKey, isPlainObject } from './json-util.js';
import type { PatchOperation } from './types.js';

/**
 * More operations than any identity provider sends (Okta and Entra send a handful; Entra batches members
 * inside one operation's value). Each operation may scan an attribute's values, so the cap keeps the work
 * of one request linear in its size. Answered like a Bulk request over maxOperations (RFC 7644 §3.7.4).
 */
export const MAX_PATCH_OPERATIONS = 1000;

function invalidSyntax(detail: string): ScimError {
  return ScimError.badRequest('invalidSyntax', detail);
}

/** Reads `key` of a JSON object ignoring case; two keys that differ only in case are ambiguous. */
function member(obj: Record<string, unknown>, key: string, where: string): unknown {
  const wanted = key.toLowerCase();
  const keys = Object.keys(obj).filter((k) => k.toLowerCase() === wanted);
  if (keys.length > 1) throw invalidSyntax(`${where} has "${key}" more than once (${keys.join(', ')}).`);
  return keys.length === 1 ? obj[keys[0]] : undefined;
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isPlainObject(raw)) throw invalidSyntax(`${where} must be an object with "op", "path" and "value".`);
  const rawOp = member(raw, 'op', where);
  const op = normalizeOpName(rawOp);
  if (!op) {
    throw invalidSyntax(`${where}: "op" must be "add", "remove" or "replace" (RFC 7644 §3.5.2).`);
  }
  const operation: PatchOperation = { op };
  // Entra's default job capitalises op names (scim-clients.md §2.5).
  if (rawOp !== op) operation.dialects = [ENTRA_OP_NAME_CASE];

  const rawPath = member(raw, 'path', where);
  // An empty or null path is read as no path: both mean "the resource itself" to the clients that send them.
  if (rawPath !== undefined && rawPath !== null && rawPath !== '') {
    if (typeof rawPath !== 'string')
      throw ScimError.badRequest('invalidPath', `${where}: "path" must be a string.`);
    operation.path = parsePath(rawPath);
  }

  const hasValue = findKey(raw, 'value') !== undefined;
  const value = member(raw, 'value', where);
  if (hasValue) operation.value = value;
  if (op === 'remove' && !operation.path) {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with … "noTarget"."
    throw ScimError.badRequest('noTarget', `${where}: remove needs a "path".`);
  }
  if (op !== 'remove' && !hasValue) {
    throw invalidSyntax(`${where}: ${op} needs a "value" (RFC 7644 §3.5.2.1, §3.5.2.3).`);
  }
  if (op !== 'remove' && !operation.path && !isPlainObject(value)) {
    throw ScimError.badRequest(
      'invalidValue',
      `${where}: ${op} without a "path" needs an object of attributes as its "value" (RFC 7644 §3.5.2).`,
    );
  }
  return operation;
}

/**
 * Reads a PATCH body `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[…]}` into
 * operations: op names lower-cased, paths parsed, and the request-level dialect rules applied (op names in
 * any case, Entra's member removal by value). Schema-dependent rules run in applyPatch. Errors: 400
 * invalidSyntax (body, schemas, Operations, op), invalidPath (path), noTarget (remove without path),
 * invalidValue (path-less value that is not an object, member values).
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  // Before any walk over the values: the engine copies and compares them recursively.
  assertStorableJson(body, 'The PATCH body');
  if (!isPlainObject(body))
    throw invalidSyntax('The PATCH body must be a JSON object with "schemas" and "Operations".');
  const schemas = member(body, 'schemas', 'The PATCH body');
  const wanted = PATCH_OP_SCHEMA.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === wanted)) {
    throw invalidSyntax(`The PATCH body must list "${PATCH_OP_SCHEMA}" in "schemas" (RFC 7644 §3.5.2).`);
  }
  // Okta and Entra send "Operations" as the RFC spells it; other clients send "operations".
  const operations = member(body, 'Operations', 'The PATCH body');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('The PATCH body needs a non-empty "Operations" array (RFC 7644 §3.5.2).');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw new ScimError(413, `A PATCH request may carry at most ${MAX_PATCH_OPERATIONS} operations.`);
  }
  const ops = operations.map((raw, index) => parseOperation(raw, index));
  return [...removeMembersByValue(ops)];
}
