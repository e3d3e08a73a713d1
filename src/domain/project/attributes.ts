import { ScimError } from '../errors.js';
import { isPlainObject } from '../schema/json.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeName, ScimResource } from '../schema/types.js';

/**
 * The raw `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.4.2.5, §3.9): comma lists.
 * Typed `unknown` because a query string may carry anything, e.g. a repeated parameter (an array).
 */
export interface ProjectionRequest {
  attributes?: unknown;
  excludedAttributes?: unknown;
}

/** Sub-attribute names named for an attribute, or 'whole' when the attribute itself was named. */
export type Selection = 'whole' | ReadonlySet<string>;

/**
 * What to return. `all`: the `returned: default` and `always` attributes. `include`: the named ones plus
 * `always`. `exclude`: `all` minus the named ones (never an `always` one). Names are canonical, keyed
 * by schema URN (common attributes such as meta sit under the core schema's URN).
 */
export interface Projection {
  readonly mode: 'all' | 'include' | 'exclude';
  readonly named: ReadonlyMap<string, ReadonlyMap<string, Selection>>;
}

export const ALL_ATTRIBUTES: Projection = { mode: 'all', named: new Map() };

// ATTRNAME of RFC 7644 §3.10 (ALPHA *(nameChar)), plus `$ref` (RFC 7643 §2.4).
const NAME = /^(?:\$ref|[A-Za-z][\w-]*)$/;
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/i;

type Projector = {
  parseProjection(resourceType: ResourceTypeName, req: ProjectionRequest): Projection;
  project(resourceType: ResourceTypeName, resource: ScimResource, projection: Projection): ScimResource;
  includesAttribute(projection: Projection, resourceType: ResourceTypeName, attribute: string): boolean;
};

/** Builds the projection functions over a registry (the exported functions keep one per registry). */
export function createProjector(registry: SchemaRegistry): Projector {
  /**
   * `attributes` wins when both parameters are given (RFC 7644 §3.9 expects only one; the narrower
   * answer is the safer one). Names not in the resource type's schemas are ignored, as a client may ask
   * for attributes we do not support; names that are not attribute paths at all are 400 invalidValue.
   */
  function parseProjection(resourceType: ResourceTypeName, req: ProjectionRequest): Projection {
    const include = entries('attributes', req.attributes);
    const exclude = entries('excludedAttributes', req.excludedAttributes);
    const [mode, list] =
      include.length > 0 ? (['include', include] as const) : (['exclude', exclude] as const);
    if (list.length === 0) return ALL_ATTRIBUTES;

    const { core, extensions } = registry.schemasOf(resourceType);
    const named = new Map<string, Map<string, Selection>>();
    const name = (schema: string, attribute: string, sub?: string) => {
      let attributes = named.get(schema);
      if (!attributes) named.set(schema, (attributes = new Map()));
      const current = attributes.get(attribute);
      if (sub === undefined || current === 'whole') attributes.set(attribute, 'whole');
      else attributes.set(attribute, new Set([...(current ?? []), sub]));
    };

    for (const entry of list) {
      // A bare schema URN names every attribute of that schema (e.g. the whole enterprise extension).
      const schema = [core, ...extensions.map((e) => e.schema)].find(
        (s) => s.id.toLowerCase() === entry.toLowerCase(),
      );
      if (schema) {
        for (const attribute of schema.attributes) name(schema.id, attribute.name);
        continue;
      }
      assertAttributePath(entry);
      const resolved = registry.resolve(resourceType, { attribute: entry });
      if (resolved) name(resolved.schema, resolved.attribute.name, resolved.subAttribute?.name);
    }
    return { mode, named };
  }

  function project(
    resourceType: ResourceTypeName,
    resource: ScimResource,
    projection: Projection,
  ): ScimResource {
    const { core, extensions } = registry.schemasOf(resourceType);
    const out: ScimResource = {};
    for (const [key, value] of Object.entries(resource)) {
      const extension = extensions.find((e) => e.schema.id.toLowerCase() === key.toLowerCase());
      if (extension && isPlainObject(value)) {
        const projected: Record<string, unknown> = {};
        for (const [attrName, attrValue] of Object.entries(value)) {
          const def = registry.attribute(extension.schema, attrName);
          const kept = projectAttribute(def, attrValue, projection, extension.schema.id);
          if (kept !== undefined) projected[def?.name ?? attrName] = kept;
        }
        if (Object.keys(projected).length > 0) out[extension.schema.id] = projected;
        continue;
      }
      const def = registry.resolve(resourceType, { uri: core.id, attribute: key })?.attribute;
      const kept = projectAttribute(def, value, projection, core.id);
      if (kept !== undefined) out[def?.name ?? key] = kept;
    }
    return out;
  }

  function includesAttribute(
    projection: Projection,
    resourceType: ResourceTypeName,
    attribute: string,
  ): boolean {
    const resolved = registry.resolve(resourceType, { attribute });
    if (!resolved) return false;
    const selection = projection.named.get(resolved.schema)?.get(resolved.attribute.name);
    if (!keepsAttribute(resolved.attribute, selection, projection.mode)) return false;
    return !resolved.subAttribute || keepsSub(resolved.subAttribute, selection, projection.mode);
  }

  /** The attribute's value as projected, or undefined when it is not returned. */
  function projectAttribute(
    def: AttributeDefinition | undefined,
    value: unknown,
    projection: Projection,
    schema: string,
  ): unknown {
    // Keys outside the schemas are not ours to name; they behave like `returned: default` attributes.
    if (!def) return projection.mode === 'include' ? undefined : value;
    const selection = projection.named.get(schema)?.get(def.name);
    if (!keepsAttribute(def, selection, projection.mode)) return undefined;
    if (def.type !== 'complex' || def.returned === 'always') return value;
    const projectOne = (item: unknown) =>
      isPlainObject(item) ? projectSubs(def, item, selection, projection.mode) : item;
    if (!Array.isArray(value)) return projectOne(value);
    const items = value.map(projectOne).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }

  function projectSubs(
    def: AttributeDefinition,
    value: Record<string, unknown>,
    selection: Selection | undefined,
    mode: Projection['mode'],
  ): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const [key, subValue] of Object.entries(value)) {
      const sub = registry.subAttribute(def, key);
      const keep = sub ? keepsSub(sub, selection, mode) : mode !== 'include' || selection === 'whole';
      if (keep) out[sub?.name ?? key] = subValue;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  return { parseProjection, project, includesAttribute };
}

/** RFC 7643 §2.2 `returned` and RFC 7644 §3.9 for a top-level attribute. */
function keepsAttribute(
  def: AttributeDefinition,
  selection: Selection | undefined,
  mode: Projection['mode'],
): boolean {
  if (def.returned === 'never') return false;
  if (def.returned === 'always') return true;
  if (mode === 'include') return selection !== undefined;
  if (def.returned === 'request') return false;
  return mode === 'all' || selection !== 'whole';
}

/** The same rules one level down, where `selection` names the sub-attributes. */
function keepsSub(
  sub: AttributeDefinition,
  selection: Selection | undefined,
  mode: Projection['mode'],
): boolean {
  if (sub.returned === 'never') return false;
  if (sub.returned === 'always') return true;
  const named = selection !== undefined && selection !== 'whole' && selection.has(sub.name);
  if (mode === 'include') return selection === 'whole' ? sub.returned !== 'request' : named;
  if (sub.returned === 'request') return false;
  return mode === 'all' || (selection !== 'whole' && !named);
}

/** A comma list given once; a repeated parameter arrives as an array and is refused, not guessed at. */
function entries(name: string, param: unknown): string[] {
  if (param === undefined || param === null) return [];
  if (Array.isArray(param)) {
    throw ScimError.badRequest(
      'invalidValue',
      `Give ${name} once, as a comma-separated list (RFC 7644 §3.9).`,
    );
  }
  if (typeof param !== 'string') {
    throw ScimError.badRequest('invalidValue', `${name} must be a comma-separated list of attribute names.`);
  }
  return param
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** `[URI ":"] ATTRNAME ["." subAttr]` (RFC 7644 §3.10); anything else is not an attribute name. */
function assertAttributePath(entry: string) {
  const cut = entry.lastIndexOf(':');
  const uri = cut < 0 ? undefined : entry.slice(0, cut);
  const parts = entry.slice(cut + 1).split('.');
  if ((uri === undefined || URN.test(uri)) && parts.length <= 2 && parts.every((part) => NAME.test(part)))
    return;
  throw ScimError.badRequest('invalidValue', `'${entry}' is not an attribute name (RFC 7644 §3.10).`);
}

/** Parses the `attributes` / `excludedAttributes` query parameters of a request. */
export function parseProjection(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  req: ProjectionRequest,
): Projection {
  return projectorOf(registry).parseProjection(resourceType, req);
}

/** The resource (full output form) as the client asked for it; `schemas` is left as it is. */
export function project(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  resource: ScimResource,
  projection: Projection,
): ScimResource {
  return projectorOf(registry).project(resourceType, resource, projection);
}

/** Whether the projected output contains (part of) an attribute, so a service can skip loading it. */
export function includesAttribute(
  registry: SchemaRegistry,
  projection: Projection,
  resourceType: ResourceTypeName,
  attribute: string,
): boolean {
  return projectorOf(registry).includesAttribute(projection, resourceType, attribute);
}

const projectors = new WeakMap<SchemaRegistry, Projector>();

function projectorOf(registry: SchemaRegistry): Projector {
  let projector = projectors.get(registry);
  if (!projector) projectors.set(registry, (projector = createProjector(registry)));
  return projector;
}
