import type { AttrPath } from '../filter/ast.js';
import { commonAttributes } from './common-attributes.js';
import { coreGroupSchema } from './core-group.schema.js';
import { coreUserSchema } from './core-user.schema.js';
import { deepFreeze } from './define.js';
import { enterpriseUserSchema } from './enterprise-user.schema.js';
import type {
  AttributeDefinition,
  ResolvedPath,
  ResourceTypeDefinition,
  ResourceTypeName,
  SchemaDefinition,
} from './types.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './urns.js';

/** The schemas a resource type is made of: its core schema and its extensions. */
export interface ResourceTypeSchemas {
  core: SchemaDefinition;
  extensions: readonly { schema: SchemaDefinition; required: boolean }[];
}

export interface SchemaRegistry {
  /** User, Group, Enterprise User. */
  readonly schemas: readonly SchemaDefinition[];
  /** A schema by URN, case-insensitive (RFC 7643 §2.1). */
  getSchema(urn: string): SchemaDefinition | undefined;
  /** User (with the enterprise extension, not required) and Group. */
  readonly resourceTypes: readonly ResourceTypeDefinition[];
  getResourceType(name: ResourceTypeName): ResourceTypeDefinition;
  /**
   * Resolve an attribute path against a resource type, case-insensitively (RFC 7643 §2.1). `path.uri` is
   * optional: `urn:...:core:2.0:User:userName`, `urn:...:enterprise:2.0:User:manager.value`, plain
   * `name.givenName`. Also resolves the common attributes id, externalId, meta and meta.* (RFC 7643 §3.1)
   * and `schemas`. Returns undefined for unknown attributes.
   */
  resolve(resourceType: ResourceTypeName, path: AttrPath): ResolvedPath | undefined;
  /** A sub-attribute of a complex attribute by name, case-insensitive. */
  subAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined;

  /** `schemas`, id, externalId, meta: on every resource, in no schema's attribute list. */
  readonly commonAttributes: readonly AttributeDefinition[];
  /** The core schema and the extension schemas of a resource type. */
  schemasOf(resourceType: ResourceTypeName): ResourceTypeSchemas;
  /** A top-level attribute of one schema by name, case-insensitive (common attributes not included). */
  attribute(schema: SchemaDefinition, name: string): AttributeDefinition | undefined;
}

export const userResourceType: ResourceTypeDefinition = deepFreeze({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
});

export const groupResourceType: ResourceTypeDefinition = deepFreeze({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: [],
});

type ByName<T> = ReadonlyMap<string, T>;

function indexByName<T extends { name: string }>(items: readonly T[]): ByName<T> {
  return new Map(items.map((item) => [item.name.toLowerCase(), item]));
}

/** Builds a registry over the given schemas and resource types; every lookup is a map hit. */
export function createSchemaRegistry(
  schemas: readonly SchemaDefinition[],
  resourceTypes: readonly ResourceTypeDefinition[],
): SchemaRegistry {
  const schemaByUrn = new Map(schemas.map((s) => [s.id.toLowerCase(), s]));
  const attributesBySchema = new Map(schemas.map((s) => [s, indexByName(s.attributes)]));
  const common = indexByName(commonAttributes);
  const subAttributesByParent = new WeakMap<AttributeDefinition, ByName<AttributeDefinition>>();

  const getSchema = (urn: string) => schemaByUrn.get(urn.toLowerCase());

  const getResourceType = (name: ResourceTypeName): ResourceTypeDefinition => {
    const found = resourceTypes.find((rt) => rt.name === name);
    if (!found) throw new Error(`Unknown resource type ${name}`);
    return found;
  };

  const schemasOfCache = new Map<ResourceTypeName, ResourceTypeSchemas>();
  const schemasOf = (name: ResourceTypeName): ResourceTypeSchemas => {
    let cached = schemasOfCache.get(name);
    if (!cached) {
      const rt = getResourceType(name);
      const mustExist = (urn: string) => {
        const schema = getSchema(urn);
        if (!schema) throw new Error(`Resource type ${name} names unknown schema ${urn}`);
        return schema;
      };
      cached = {
        core: mustExist(rt.schema),
        extensions: rt.schemaExtensions.map((ext) => ({
          schema: mustExist(ext.schema),
          required: ext.required,
        })),
      };
      schemasOfCache.set(name, cached);
    }
    return cached;
  };

  const attribute = (schema: SchemaDefinition, name: string) =>
    attributesBySchema.get(schema)?.get(name.toLowerCase());

  const subAttribute = (parent: AttributeDefinition, name: string): AttributeDefinition | undefined => {
    if (!parent.subAttributes) return undefined;
    let index = subAttributesByParent.get(parent);
    if (!index) {
      index = indexByName(parent.subAttributes);
      subAttributesByParent.set(parent, index);
    }
    return index.get(name.toLowerCase());
  };

  /** Core attribute or common attribute: what an unqualified name or the core URN may refer to. */
  const coreOrCommon = (core: SchemaDefinition, name: string) =>
    attribute(core, name) ?? common.get(name.toLowerCase());

  const resolve = (resourceType: ResourceTypeName, path: AttrPath): ResolvedPath | undefined => {
    const { core, extensions } = schemasOf(resourceType);
    let { uri, attribute: name, subAttribute: subName } = path;
    // Tolerate a caller that left the URN or the sub-attribute in the attribute name
    // ("urn:...:User:name.givenName"); the URN itself contains a dot ("2.0"), so split at ':' first.
    if (uri === undefined && name.includes(':')) {
      const cut = name.lastIndexOf(':');
      uri = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    const dot = name.indexOf('.');
    if (subName === undefined && dot > 0) {
      subName = name.slice(dot + 1);
      name = name.slice(0, dot);
    }

    let schema: SchemaDefinition;
    let top: AttributeDefinition | undefined;
    if (uri === undefined || uri.toLowerCase() === core.id.toLowerCase()) {
      // Unqualified names refer to the core schema (RFC 7644 §3.10); extension attributes need their URN.
      schema = core;
      top = coreOrCommon(core, name);
    } else {
      const extension = extensions.find((ext) => ext.schema.id.toLowerCase() === uri.toLowerCase());
      if (!extension) return undefined;
      schema = extension.schema;
      top = attribute(schema, name);
    }
    if (!top) return undefined;

    const resolved: ResolvedPath = { schema: schema.id, attribute: top, extension: schema !== core };
    if (subName === undefined) return resolved;
    const sub = subAttribute(top, subName);
    return sub ? { ...resolved, subAttribute: sub } : undefined;
  };

  return {
    schemas,
    getSchema,
    resourceTypes,
    getResourceType,
    resolve,
    subAttribute,
    commonAttributes,
    schemasOf,
    attribute,
  };
}

/**
 * The registry of this server: core User with the Enterprise User extension, and core Group. The domain
 * never holds an instance of its own: the application creates one (src/modules/scim/scim-registry.ts) and
 * passes it to every domain call, so each part can be tested against another registry (STYLE §2).
 */
export function createScimRegistry(): SchemaRegistry {
  return createSchemaRegistry(
    [coreUserSchema, coreGroupSchema, enterpriseUserSchema],
    [userResourceType, groupResourceType],
  );
}
