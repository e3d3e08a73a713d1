/**
 * Value-level dialect rules: the ones that look at one attribute value and its definition. The PATCH
 * rules (entra.ts) and the validator (POST/PUT bodies) both call these, so a quirk is answered the same
 * way whatever request carries it.
 */
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition } from '../schema/types.js';
import { ENTRA_MANAGER_STRING, ENTRA_STRING_BOOLEANS } from './rules.js';

/**
 * The one reader of booleans as clients send them: a JSON boolean, or "true"/"false" in any case
 * (Entra sends "True" and "False", scim-clients.md §2.6). Anything else is undefined.
 */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** A rewritten value and the rule that rewrote it, or undefined when no rule applies. */
export interface DialectValue {
  value: unknown;
  rule: string;
}

/** entra.stringBooleans: "True"/"False" for a boolean attribute become true/false. */
export function stringBooleanValue(def: AttributeDefinition, value: unknown): DialectValue | undefined {
  if (def.type !== 'boolean' || typeof value !== 'string') return undefined;
  const flag = parseBoolean(value);
  return flag === undefined ? undefined : { value: flag, rule: ENTRA_STRING_BOOLEANS };
}

/**
 * entra.managerString: a bare string for a single-valued complex attribute with a `value` sub-attribute
 * (the enterprise `manager`, RFC 7643 §4.3) is that sub-attribute: "2c2f…" → {"value": "2c2f…"}.
 */
export function managerStringValue(
  registry: SchemaRegistry,
  def: AttributeDefinition,
  value: unknown,
): DialectValue | undefined {
  if (typeof value !== 'string' || def.type !== 'complex' || def.multiValued) return undefined;
  if (!registry.subAttribute(def, 'value')) return undefined;
  return { value: { value }, rule: ENTRA_MANAGER_STRING };
}
