/**
 * Okta provisioning dialect (scim-clients.md §1.6, §1.7). Pure functions that return their input array
 * unchanged (the same reference) when they do not apply.
 */
import type { SchemaRegistry } from '../schema/registry.js';
import type { ResourceTypeName } from '../schema/types.js';
import { tryResolveTarget } from '../patch/target.js';
import type { PatchContext, PatchOperation } from '../patch/types.js';

import { OKTA_ECHOED_ID } from './rules.js';

export { OKTA_ECHOED_ID };

/**
 * Okta renames a pushed group with a path-less replace whose value echoes the group's own id,
 * `{"op":"replace","value":{"id":"<id>","displayName":"…"}}` (scim-clients.md §1.7 step 4, keycloak-scim-server
 * PR #113). Applied after path-less values are split into one operation per attribute: an `id` equal to
 * the resource's id is dropped; any other id stays and the engine rejects it (readOnly, 400 mutability).
 */
export function dropEchoedId(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  ops: readonly PatchOperation[],
  context: PatchContext,
): readonly PatchOperation[] {
  const result = ops.filter((op) => {
    if (op.op === 'remove' || !op.path || op.value !== context.id) return true;
    const target = tryResolveTarget(registry, resourceType, op.path);
    return !(target && !target.resolved.extension && target.attribute.name === 'id' && !target.sub);
  });
  return result.length === ops.length ? ops : result;
}
