/**
 * Path-less add/replace (RFC 7644 §3.5.2.1, §3.5.2.3: "the target location is assumed to be the resource
 * itself") and whole-extension paths, split into one operation per attribute so that one set of rules
 * handles every form.
 */
import { ScimError } from '../errors.js';
import type { PatchPath } from '../filter/ast.js';
import { parsePath } from '../filter/parser.js';
import { ENTRA_PATHLESS_ATTRIBUTE_PATHS } from '../dialects/rules.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { ResourceTypeName } from '../schema/types.js';
import { isPlainObject } from './json-util.js';
import { extensionOfPath, extensionUrn } from './target.js';
import type { PatchOperation } from './types.js';

export { ENTRA_PATHLESS_ATTRIBUTE_PATHS };

function keyPath(key: string): PatchPath {
  try {
    return parsePath(key);
  } catch (error) {
    if (error instanceof ScimError) {
      throw ScimError.badRequest(
        'invalidPath',
        `Attribute name "${key}" in a path-less value: ${error.detail}`,
      );
    }
    throw error;
  }
}

function splitExtension(op: PatchOperation, urn: string, into: PatchOperation[]): void {
  if (op.op === 'add' && op.value === null) return; // adds nothing
  if (op.op === 'remove' || op.value === null) {
    // Unassigns the whole extension (RFC 7643 §2.5: null is unassigned); the engine checks required attributes.
    const { value: _value, ...rest } = op;
    into.push({ ...rest, op: 'remove' });
    return;
  }
  if (!isPlainObject(op.value)) {
    throw ScimError.badRequest(
      'invalidValue',
      `The value for extension "${urn}" must be an object of attributes.`,
    );
  }
  for (const [key, value] of Object.entries(op.value)) {
    // Python SCIM clients send the extension object with its own "schemas"; the server derives schemas.
    if (key.toLowerCase() === 'schemas') continue;
    into.push({ ...op, path: keyPath(`${urn}:${key}`), value });
  }
}

/**
 * Splits path-less add/replace values (`{"active": false}`, Entra's `{"name.givenName": "x",
 * "urn:…:enterprise:2.0:User:employeeNumber": "y"}`, `{"urn:…:enterprise:2.0:User": {…}}`) and operations
 * whose path is a whole extension into one operation per attribute. `schemas` keys are skipped: the server
 * derives the schemas list from the attributes present, also inside an extension's value.
 */
export function expandPathless(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  ops: readonly PatchOperation[],
): { ops: PatchOperation[]; dialects: string[] } {
  const result: PatchOperation[] = [];
  let dottedKeys = false;
  for (const op of ops) {
    if (op.path) {
      const urn =
        op.path.filter || op.path.subAttribute
          ? undefined
          : extensionOfPath(registry, resourceType, op.path.path);
      if (urn) splitExtension(op, urn, result);
      else result.push(op);
      continue;
    }
    if (!isPlainObject(op.value)) {
      throw ScimError.badRequest(
        'invalidValue',
        `${op.op} without a "path" needs an object of attributes as its value.`,
      );
    }
    for (const [key, value] of Object.entries(op.value)) {
      if (key.toLowerCase() === 'schemas') continue;
      const urn = extensionUrn(registry, resourceType, key);
      const sub: PatchOperation = { ...op, path: keyPath(key), value };
      if (urn) {
        splitExtension(sub, urn, result);
        continue;
      }
      // Attribute paths as keys are Entra's (scim-clients.md §2.5 "aadOptscim062020"); RFC 7644 nests them.
      if (key.includes('.') || key.includes(':')) dottedKeys = true;
      result.push(sub);
    }
  }
  return { ops: result, dialects: dottedKeys ? [ENTRA_PATHLESS_ATTRIBUTE_PATHS] : [] };
}
