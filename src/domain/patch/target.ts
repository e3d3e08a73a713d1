/** Resolution of a PATCH path (RFC 7644 §3.5.2 PATH) against the schema registry. */
import { ScimError } from '../errors.js';
import type { AttrPath, Filter, PatchPath } from '../filter/ast.js';
import { printAttrPath } from '../filter/printer.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition, ResolvedPath, ResourceTypeName } from '../schema/types.js';

export interface Target {
  resolved: ResolvedPath;
  /** The top-level attribute. */
  attribute: AttributeDefinition;
  /** `name.givenName`, or the sub-attribute after a value filter (`emails[type eq "work"].value`). */
  sub?: AttributeDefinition;
  /** The value filter of `attr[filter]`. */
  filter?: Filter;
  /** The path for error details, without filter values: `emails[…].value`. */
  where: string;
}

/** The path as text for error details; filter values are left out (they are often e-mail addresses). */
export function describePath(path: PatchPath): string {
  let text = printAttrPath(path.path);
  if (path.filter !== undefined) text += '[…]';
  if (path.subAttribute !== undefined) text += `.${path.subAttribute}`;
  return text;
}

function invalidPath(detail: string): ScimError {
  return ScimError.badRequest('invalidPath', detail);
}

/** Resolves a PATCH path or throws 400 invalidPath (unknown attribute, filter on a single value, …). */
export function resolveTarget(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  path: PatchPath,
): Target {
  const where = describePath(path);
  const resolved = registry.resolve(resourceType, path.path);
  if (!resolved) throw invalidPath(`Unknown attribute '${where}' for resource type ${resourceType}.`);
  const attribute = resolved.attribute;
  if (path.filter === undefined) {
    let sub = resolved.subAttribute;
    if (path.subAttribute !== undefined) {
      // Only a value filter may be followed by a sub-attribute; tolerate a hand-built PatchPath anyway.
      if (sub !== undefined) throw invalidPath(`'${where}' names two sub-attributes.`);
      sub = registry.subAttribute(attribute, path.subAttribute);
      if (!sub) throw invalidPath(`Unknown attribute '${where}' for resource type ${resourceType}.`);
    }
    return { resolved, attribute, ...(sub ? { sub } : {}), where };
  }
  if (resolved.subAttribute) {
    throw invalidPath(
      `'${where}': a value filter must follow a multi-valued attribute, not a sub-attribute.`,
    );
  }
  if (!attribute.multiValued) {
    throw invalidPath(`'${where}': '${attribute.name}' is single-valued, so it takes no value filter.`);
  }
  if (path.subAttribute === undefined) return { resolved, attribute, filter: path.filter, where };
  const sub = registry.subAttribute(attribute, path.subAttribute);
  if (!sub) throw invalidPath(`Unknown attribute '${where}' for resource type ${resourceType}.`);
  return { resolved, attribute, sub, filter: path.filter, where };
}

/** Like resolveTarget, but undefined instead of an error (dialect rules leave bad paths to the engine). */
export function tryResolveTarget(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  path: PatchPath,
): Target | undefined {
  try {
    return resolveTarget(registry, resourceType, path);
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}

/**
 * The definition that describes an operation's value: the sub-attribute, one element of a filtered
 * multi-valued attribute, or the attribute itself.
 */
export function valueDefinition(target: Target): AttributeDefinition {
  if (target.sub) return target.sub;
  if (target.filter) return { ...target.attribute, multiValued: false };
  return target.attribute;
}

/**
 * The extension schema URN when the path names a whole extension (`urn:…:enterprise:2.0:User`); the parser
 * reads that as URI `urn:…:enterprise:2.0` and attribute `User`.
 */
export function extensionOfPath(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  path: AttrPath,
): string | undefined {
  const text = printAttrPath(path).toLowerCase();
  return extensionUrn(registry, resourceType, text);
}

/** The canonical URN of an extension of `resourceType` equal to `text` ignoring case. */
export function extensionUrn(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  text: string,
): string | undefined {
  const lower = text.toLowerCase();
  return registry.schemasOf(resourceType).extensions.find((ext) => ext.schema.id.toLowerCase() === lower)
    ?.schema.id;
}

/** Whether the target is a Group's `members` (handled as a change set, never inside the resource). */
export function isMembersTarget(resourceType: ResourceTypeName, target: Target): boolean {
  return resourceType === 'Group' && !target.resolved.extension && target.attribute.name === 'members';
}
