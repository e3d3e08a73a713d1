import { registry } from '../registry.js';
import { readFileSync } from 'node:fs';
import { ScimError, type ScimType } from '../../../src/domain/errors.js';
import { applyPatch, parsePatchRequest, type PatchResult } from '../../../src/domain/patch/engine.js';
import type { ResourceTypeName, ScimResource } from '../../../src/domain/schema/types.js';
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import { validateResource } from '../../../src/domain/schema/validate.js';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const USER_ID = '2819c223-7f76-453a-919d-413861904646';
export const GROUP_ID = 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b';

/** A PatchOp request body (RFC 7644 §3.5.2). */
export function body(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

/** Recursively freezes a value, so that any write to the engine's input throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A stored User (as validateResource makes it), frozen. */
export function storedUser(extra: Record<string, unknown> = {}): ScimResource {
  const { resource } = validateResource(
    registry,
    'User',
    { schemas: [USER_SCHEMA], userName: 'bjensen', ...extra },
    'create',
  );
  return deepFreeze(resource);
}

/** A stored Group, frozen (members are never part of the stored form). */
export function storedGroup(extra: Record<string, unknown> = {}): ScimResource {
  const { resource } = validateResource(
    registry,
    'Group',
    { schemas: [GROUP_SCHEMA], displayName: 'Admins', ...extra },
    'create',
  );
  return deepFreeze(resource);
}

/** parsePatchRequest + applyPatch, as the services call them. */
export function patch(
  resourceType: ResourceTypeName,
  resource: ScimResource,
  ...operations: unknown[]
): PatchResult {
  const id = resourceType === 'User' ? USER_ID : GROUP_ID;
  return applyPatch(registry, resourceType, resource, parsePatchRequest(body(...operations)), { id });
}

export function patchUser(resource: ScimResource, ...operations: unknown[]): PatchResult {
  return patch('User', resource, ...operations);
}

export function patchGroup(resource: ScimResource, ...operations: unknown[]): PatchResult {
  return patch('Group', resource, ...operations);
}

/** Runs `fn` and returns the ScimError it throws; fails if it throws anything else or nothing. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw new Error(`expected a ScimError, got ${String(error)}`);
  }
  throw new Error('expected a ScimError, nothing was thrown');
}

export function expectScimError(fn: () => unknown, scimType: ScimType, status = 400): ScimError {
  const error = scimErrorOf(fn);
  expect({ status: error.status, scimType: error.scimType }).toEqual({ status, scimType });
  return error;
}

/** A request body under test/fixtures/<idp>/. */
export function fixture(idp: 'okta' | 'entra', name: string): Record<string, unknown> {
  const url = new URL(`../../fixtures/${idp}/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}
