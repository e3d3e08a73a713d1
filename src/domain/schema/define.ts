import type { AttributeDefinition, AttributeType } from './types.js';

/** Characteristics that differ from the RFC 7643 §2.2 defaults. */
export type Overrides = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

/**
 * An attribute with the defaults of RFC 7643 §2.2 (single-valued, optional, caseExact false, readWrite,
 * returned default, uniqueness none), so schema files only spell out what differs from the RFC's defaults.
 */
export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  overrides: Overrides = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  };
}

export function complex(
  name: string,
  description: string,
  subAttributes: AttributeDefinition[],
  overrides: Overrides = {},
): AttributeDefinition {
  return attribute(name, 'complex', description, { ...overrides, subAttributes });
}

/** Recursively freezes a definition tree: the registry is shared by every request. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// The sub-attributes that RFC 7643 §2.4 gives most multi-valued attributes.
const DISPLAY = 'A human-readable name, primarily used for display purposes.  READ-ONLY.';
const PRIMARY =
  "A Boolean value indicating the 'primary' or preferred attribute value for this attribute{{e.g.}}.  The primary attribute value 'true' MUST appear no more than once.";

export function displaySub(overrides: Overrides = {}): AttributeDefinition {
  return attribute('display', 'string', DISPLAY, overrides);
}

export function typeSub(description: string, canonicalValues?: string[], overrides: Overrides = {}) {
  return attribute('type', 'string', description, {
    ...(canonicalValues ? { canonicalValues } : {}),
    ...overrides,
  });
}

/** `primary`, with the RFC's per-attribute example (e.g. ", e.g., the preferred photo or thumbnail"). */
export function primarySub(example = ''): AttributeDefinition {
  return attribute('primary', 'boolean', PRIMARY.replace('{{e.g.}}', example));
}
