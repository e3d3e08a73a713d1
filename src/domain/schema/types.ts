/** Attribute characteristics of RFC 7643 §2.2 and §7. */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  name: string; // canonical case, as in RFC 7643
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  /**
   * canonicalValues are advisory in RFC 7643 §7 ("MAY"); when true, this server enforces them: matched
   * case-insensitively, stored in canonical case, anything else a 400 invalidValue.
   */
  enforceCanonicalValues?: boolean;
  /**
   * The stored value when a create leaves the attribute unassigned. A PUT that omits it does not assert it
   * (RFC 7644 §3.5.1) and keeps the current value; a PATCH that removes it unassigns it, which is the
   * default again. Not a characteristic of RFC 7643 §7: never shown on /Schemas.
   */
  defaultValue?: string | boolean | number;
  /**
   * What an unassigned value means to the product, without being stored or returned (the resource shows
   * what the identity provider sent). Not shown on /Schemas.
   */
  unassignedMeans?: string;
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

export interface SchemaDefinition {
  id: string; // URN
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

export type ResourceTypeName = 'User' | 'Group';

export interface ResourceTypeDefinition {
  id: ResourceTypeName;
  name: ResourceTypeName;
  endpoint: string; // '/Users'
  description: string;
  schema: string; // core schema URN
  schemaExtensions: { schema: string; required: boolean }[];
}

/** An attribute path resolved against a resource type (RFC 7644 §3.10), in canonical case. */
export interface ResolvedPath {
  /** URN of the schema that defines the top-level attribute. */
  schema: string;
  /** The top-level attribute. */
  attribute: AttributeDefinition;
  /** Set when the path names a sub-attribute of a complex attribute. */
  subAttribute?: AttributeDefinition;
  /** True when `schema` is an extension of the resource type (data lives under the URN key). */
  extension: boolean;
}

/** A plain SCIM resource as JSON (canonical attribute names after validation). */
export type ScimResource = Record<string, unknown>;
