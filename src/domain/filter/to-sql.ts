/**
 * Compiles a filter tree (RFC 7644 §3.4.2.2) to one parameterized PostgreSQL predicate over the resource
 * table aliased `r` (docs/storage-model.md). Values only ever travel as parameters; the SQL text holds
 * nothing but canonical attribute names and schema URNs from the registry.
 *
 * Decisions (each tested in test/unit/filter/to-sql.test.ts and against PostgreSQL in
 * test/integration/filter-sql.test.ts):
 * - Unknown attributes answer 400 invalidFilter naming the attribute and its position. RFC 7644 §3.4.2.2
 *   allows treating them as "no match", but then a client with a mapping error (say a misspelt extension
 *   URN in Entra's matching rule) silently gets an empty list and creates a duplicate user.
 * - `pr` matches a value that is not null, not "" and not an empty object or array (RFC 7644 §3.4.2.2:
 *   "non-empty value"); for a multi-valued attribute, a non-empty array.
 * - `eq null` is `not (attr pr)` and `ne null` is `attr pr`: RFC 7643 §2.5 makes unassigned, null and
 *   empty array the same state. Other operators with null are 400.
 * - `ne` on a single-valued attribute matches resources where the attribute is absent (IS DISTINCT FROM),
 *   as most servers do. On a multi-valued attribute it matches when some value differs (RFC 7644 §3.4.2.2:
 *   a multi-valued attribute matches when any value does), so a resource without values does not match;
 *   `not (emails.value eq "x")` says "no email is x".
 * - `not (f)` compiles to `NOT COALESCE(f, false)`, so a comparison on an absent attribute (SQL NULL)
 *   counts as false before negation: `not (title eq "x")` matches users without a title. Outside `not` a
 *   NULL behaves as false under AND/OR/WHERE, so the index-friendly forms stay uncoalesced. The predicate
 *   may therefore evaluate to NULL where it means false: wrap it in COALESCE before negating it elsewhere.
 * - caseExact false compares lower(x) with lower($n), or a column's `folded` copy (lower(column), generated
 *   and indexed) with lower($n), which keeps the index under row-level security; co/sw/ew are LIKE with the
 *   wildcards of the value escaped. gt/ge/lt/le compare strings in the database collation, dateTime as
 *   instants (timestamptz), integer and decimal as numeric. Booleans accept eq/ne only, with a JSON
 *   boolean or the strings "true"/"false" in any case (Entra sends "True"). A number compared with a
 *   string attribute is compared as its text (Entra's unquoted `externalId eq 12345`).
 * - Comparing a complex attribute directly is 400, except a complex attribute with a `value`
 *   sub-attribute: `emails eq "x"` means emails.value (RFC 7644 §3.4.2.2 examples), likewise
 *   `members`, `groups` and the enterprise `manager`.
 * - `returned: never` attributes (password) and derived ones (`$ref`, meta.location) are 400.
 */
import { ENTRA_STRING_BOOLEANS } from '../dialects/rules.js';
import { parseBoolean } from '../dialects/values.js';
import { ScimError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition, ResolvedPath, ResourceTypeName } from '../schema/types.js';
import { parseDateTime } from '../schema/values.js';
import type { AttrPath, CompareOp, Filter, FilterValue } from './ast.js';
import { dedicatedColumn, type Column, type ColumnMap } from './columns.js';
import { filterDialects, sourcePosition } from './parser.js';
import { printAttrPath, printValue } from './printer.js';

export interface SqlFragment {
  text: string;
  values: unknown[];
  /** Names of the identity-provider dialect rules the filter needed (parser and compiler), for the log. */
  dialects?: string[];
}

export interface CompileOptions {
  /** The dedicated columns of the resource table, from the storage layer's column map. */
  columns: ColumnMap;
  /** Placeholders start at $(paramOffset + 1), for predicates appended to a query with parameters. */
  paramOffset?: number;
  /** The schema registry the attribute paths resolve against (the application's, or a test's). */
  registry: SchemaRegistry;
}

type Leaf = Extract<Filter, { kind: 'compare' | 'present' }>;

/** Where a value lives: a typed SQL expression, or a jsonb value (with its text form). */
type Target =
  | ({ kind: 'column' } & Pick<Column, 'sql' | 'type' | 'folded'>)
  | { kind: 'json'; jsonb: string; text: string };

/** Group.members and User.groups live in scim_membership, not in `data`. */
type Relation = 'members' | 'groups';

/** What the attribute paths of a (sub-)filter are relative to. */
type Scope =
  | { kind: 'resource' }
  /** Inside `attr[…]` of a multi-valued attribute in `data`: `element` is one array element (jsonb). */
  | { kind: 'element'; parent: AttributeDefinition; parentPath: AttrPath; element: string }
  /** Inside `members[…]` / `groups[…]`: `alias` is one scim_membership row. */
  | {
      kind: 'membership';
      parent: AttributeDefinition;
      parentPath: AttrPath;
      relation: Relation;
      alias: string;
    }
  /** Inside `name[…]` of a single-valued complex attribute: paths mean `name.<sub>`. */
  | { kind: 'complex'; parentPath: AttrPath };

const STRING_TYPES: ReadonlySet<string> = new Set(['string', 'reference', 'binary']);
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const SQL_OPERATOR: Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', string> = {
  eq: '=',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

/** A canonical name or URN from the registry as a SQL string literal. */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

class Compiler {
  readonly values: unknown[] = [];
  readonly dialects = new Set<string>();
  private aliases = 0;

  constructor(
    private readonly resourceType: ResourceTypeName,
    private readonly registry: SchemaRegistry,
    private readonly paramOffset: number,
    private readonly columns: ColumnMap,
  ) {}

  private fail(message: string, node: object): never {
    const position = sourcePosition(node);
    throw ScimError.badRequest(
      'invalidFilter',
      position === undefined ? message : `${message} at position ${position}`,
    );
  }

  /** The node to report: the attribute path as written when it has a position, else the whole leaf. */
  private at(path: AttrPath, origin: object): object {
    return sourcePosition(path) === undefined ? origin : path;
  }

  private param(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.paramOffset + this.values.length}${cast}`;
  }

  private alias(prefix: string): string {
    this.aliases += 1;
    return `${prefix}${this.aliases}`;
  }

  filter(filter: Filter, scope: Scope): string {
    switch (filter.kind) {
      case 'and':
        return `(${this.filter(filter.left, scope)} AND ${this.filter(filter.right, scope)})`;
      case 'or':
        return `(${this.filter(filter.left, scope)} OR ${this.filter(filter.right, scope)})`;
      case 'not':
        return `NOT COALESCE(${this.filter(filter.filter, scope)}, false)`;
      case 'valuePath':
        if (scope.kind !== 'resource') this.fail('Value filters cannot be nested', filter);
        return this.valuePath(filter);
      case 'present':
      case 'compare':
        return this.leaf(filter, scope);
    }
  }

  private leaf(filter: Leaf, scope: Scope): string {
    // RFC 7643 §2.5: null, unassigned and empty are one state, so `eq null` is "not present".
    if (filter.kind === 'compare' && filter.value === null) {
      const present: Leaf = { kind: 'present', path: filter.path };
      if (filter.op === 'eq') return `NOT COALESCE(${this.leafIn(present, scope, filter)}, false)`;
      if (filter.op === 'ne') return this.leafIn(present, scope, filter);
      this.fail(`Operator "${filter.op}" cannot be used with null (only eq and ne)`, filter);
    }
    return this.leafIn(filter, scope, filter);
  }

  /** `origin` is the node as written, for error positions. */
  private leafIn(filter: Leaf, scope: Scope, origin: Leaf): string {
    switch (scope.kind) {
      case 'resource':
        return this.resourceLeaf(filter, origin);
      case 'complex': {
        const name = this.relativeName(filter.path, scope.parentPath, origin);
        const path: AttrPath = { ...scope.parentPath, subAttribute: name };
        return this.resourceLeaf({ ...filter, path }, origin);
      }
      case 'element': {
        const sub = this.subAttributeOf(scope.parent, scope.parentPath, filter.path, origin);
        const target: Target = {
          kind: 'json',
          jsonb: `${scope.element}->${literal(sub.name)}`,
          text: `${scope.element}->>${literal(sub.name)}`,
        };
        return this.onTarget(filter, target, sub, origin);
      }
      case 'membership': {
        const sub = this.subAttributeOf(scope.parent, scope.parentPath, filter.path, origin);
        return this.onTarget(
          filter,
          this.membershipTarget(scope.relation, scope.alias, sub, origin),
          sub,
          origin,
        );
      }
    }
  }

  /** Inside `attr[…]` a path is one sub-attribute name of attr. */
  private relativeName(path: AttrPath, parentPath: AttrPath, origin: object): string {
    if (path.uri !== undefined || path.subAttribute !== undefined) {
      this.fail(
        `"${printAttrPath(path)}" in a value filter must be a sub-attribute name of "${printAttrPath(parentPath)}"`,
        this.at(path, origin),
      );
    }
    return path.attribute;
  }

  private subAttributeOf(
    parent: AttributeDefinition,
    parentPath: AttrPath,
    path: AttrPath,
    origin: object,
  ): AttributeDefinition {
    const name = this.relativeName(path, parentPath, origin);
    const sub = this.registry.subAttribute(parent, name);
    if (!sub) this.fail(`Unknown attribute "${printAttrPath(parentPath)}.${name}"`, this.at(path, origin));
    this.assertFilterable(sub, `${parent.name}.${sub.name}`, origin);
    return sub;
  }

  private resolve(path: AttrPath, origin: object): ResolvedPath {
    const resolved = this.registry.resolve(this.resourceType, path);
    if (!resolved) {
      this.fail(`Unknown attribute "${printAttrPath(path)}"`, this.at(path, origin));
    }
    this.assertFilterable(resolved.attribute, resolved.attribute.name, origin);
    if (resolved.subAttribute) {
      this.assertFilterable(
        resolved.subAttribute,
        `${resolved.attribute.name}.${resolved.subAttribute.name}`,
        origin,
      );
    }
    return resolved;
  }

  private assertFilterable(attribute: AttributeDefinition, name: string, origin: object): void {
    // A filter on a `returned: never` attribute would let clients probe passwords one query at a time.
    if (attribute.returned === 'never') this.fail(`Attribute "${name}" cannot be used in a filter`, origin);
  }

  private relation(resolved: ResolvedPath): Relation | undefined {
    if (resolved.extension) return undefined;
    const name = resolved.attribute.name;
    if (this.resourceType === 'Group' && name === 'members') return 'members';
    if (this.resourceType === 'User' && name === 'groups') return 'groups';
    return undefined;
  }

  /** The `value` sub-attribute that stands for a complex attribute compared directly. */
  private valueSubAttribute(attribute: AttributeDefinition, origin: Leaf): AttributeDefinition {
    const value = this.registry.subAttribute(attribute, 'value');
    if (!value) {
      this.fail(
        `"${attribute.name}" is a complex attribute: compare one of its sub-attributes, e.g. "${attribute.name}.${attribute.subAttributes?.[0]?.name ?? 'value'}"`,
        origin,
      );
    }
    return value;
  }

  private resourceLeaf(filter: Leaf, origin: Leaf): string {
    const resolved = this.resolve(filter.path, origin);
    const { attribute } = resolved;
    let sub = resolved.subAttribute;

    const relation = this.relation(resolved);
    if (relation) {
      const join = this.membershipJoin(relation);
      if (!sub && filter.kind === 'present')
        return `EXISTS (SELECT 1 FROM scim_membership ${join.alias} WHERE ${join.on})`;
      sub ??= this.valueSubAttribute(attribute, origin);
      const target = this.membershipTarget(relation, join.alias, sub, origin);
      return `EXISTS (SELECT 1 FROM scim_membership ${join.alias} WHERE ${join.on} AND ${this.onTarget(filter, target, sub, origin)})`;
    }

    const column = dedicatedColumn(this.columns, resolved);
    if (column) return this.onTarget(filter, { kind: 'column', ...column }, sub ?? attribute, origin);

    const isMeta = !resolved.extension && attribute.name === 'meta';
    if (isMeta) {
      // meta is not in `data`; its filterable parts are columns (columns.ts).
      if (!sub && filter.kind === 'present') return 'TRUE';
      if (!sub) this.valueSubAttribute(attribute, origin);
      this.fail(`Attribute "meta.${sub?.name}" cannot be used in a filter`, origin);
    }

    const base = resolved.extension ? `r.data->${literal(resolved.schema)}` : 'r.data';
    const top = `${base}->${literal(attribute.name)}`;

    if (attribute.multiValued) {
      if (!sub && filter.kind === 'present') return this.presence({ kind: 'json', jsonb: top, text: '' });
      if (!sub && attribute.type === 'complex') sub = this.valueSubAttribute(attribute, origin);
      const element = this.alias('e');
      const target: Target = sub
        ? {
            kind: 'json',
            jsonb: `${element}->${literal(sub.name)}`,
            text: `${element}->>${literal(sub.name)}`,
          }
        : { kind: 'json', jsonb: element, text: `(${element} #>> '{}')` };
      return `EXISTS (SELECT 1 FROM jsonb_array_elements(${top}) AS ${element} WHERE ${this.onTarget(filter, target, sub ?? attribute, origin)})`;
    }

    if (attribute.type === 'complex') {
      if (!sub && filter.kind === 'present') return this.presence({ kind: 'json', jsonb: top, text: '' });
      sub ??= this.valueSubAttribute(attribute, origin);
      return this.onTarget(
        filter,
        { kind: 'json', jsonb: `${top}->${literal(sub.name)}`, text: `${top}->>${literal(sub.name)}` },
        sub,
        origin,
      );
    }

    return this.onTarget(
      filter,
      { kind: 'json', jsonb: top, text: `${base}->>${literal(attribute.name)}` },
      attribute,
      origin,
    );
  }

  private valuePath(filter: Extract<Filter, { kind: 'valuePath' }>): string {
    const resolved = this.resolve(filter.path, filter);
    const { attribute } = resolved;
    if (resolved.subAttribute || attribute.type !== 'complex') {
      this.fail(
        `A value filter needs a complex attribute, "${printAttrPath(filter.path)}" is not one`,
        filter,
      );
    }

    const relation = this.relation(resolved);
    if (relation) {
      const join = this.membershipJoin(relation);
      const scope: Scope = {
        kind: 'membership',
        parent: attribute,
        parentPath: filter.path,
        relation,
        alias: join.alias,
      };
      return `EXISTS (SELECT 1 FROM scim_membership ${join.alias} WHERE ${join.on} AND ${this.filter(filter.filter, scope)})`;
    }

    if (!attribute.multiValued) {
      // One value only, so "the same element" is automatic: name[givenName eq "x"] = name.givenName eq "x".
      return this.filter(filter.filter, { kind: 'complex', parentPath: filter.path });
    }

    const base = resolved.extension ? `r.data->${literal(resolved.schema)}` : 'r.data';
    const element = this.alias('e');
    const scope: Scope = { kind: 'element', parent: attribute, parentPath: filter.path, element };
    // One EXISTS: every condition of the value filter applies to the same element (RFC 7644 §3.4.2.2).
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(${base}->${literal(attribute.name)}) AS ${element} WHERE ${this.filter(filter.filter, scope)})`;
  }

  private membershipJoin(relation: Relation): { alias: string; on: string } {
    const alias = this.alias('m');
    const self = relation === 'members' ? 'group_id' : 'member_id';
    return { alias, on: `${alias}.tenant_id = r.tenant_id AND ${alias}.${self} = r.id` };
  }

  private membershipTarget(
    relation: Relation,
    alias: string,
    sub: AttributeDefinition,
    origin: Leaf,
  ): Target {
    switch (sub.name) {
      case 'value':
        return {
          kind: 'column',
          sql: `${alias}.${relation === 'members' ? 'member_id' : 'group_id'}`,
          type: 'uuid',
        };
      case 'type':
        // scim_membership holds direct memberships only (RFC 7643 §4.1.2 "direct").
        return relation === 'members'
          ? { kind: 'column', sql: `${alias}.member_type`, type: 'text' }
          : { kind: 'column', sql: `'direct'::text`, type: 'text' };
      case 'display': {
        const group = this.alias('g');
        const groupName = (id: string) =>
          `(SELECT ${group}.display_name FROM scim_group ${group} WHERE ${group}.tenant_id = ${alias}.tenant_id AND ${group}.id = ${alias}.${id})`;
        if (relation === 'groups') return { kind: 'column', sql: groupName('group_id'), type: 'text' };
        const user = this.alias('u');
        const userName = `(SELECT ${user}.display_name FROM scim_user ${user} WHERE ${user}.tenant_id = ${alias}.tenant_id AND ${user}.id = ${alias}.member_id)`;
        return {
          kind: 'column',
          sql: `(CASE ${alias}.member_type WHEN 'Group' THEN ${groupName('member_id')} ELSE ${userName} END)`,
          type: 'text',
        };
      }
      default:
        // $ref is derived from the base URL at response time.
        return this.fail(`Attribute "${relation}.${sub.name}" cannot be used in a filter`, origin);
    }
  }

  private onTarget(filter: Leaf, target: Target, definition: AttributeDefinition, origin: Leaf): string {
    if (filter.kind === 'present') return this.presence(target);
    return this.compare(target, definition, filter.op, filter.value, origin);
  }

  /** RFC 7644 §3.4.2.2 pr: "has a non-empty value, or ... a non-empty node for complex attributes". */
  private presence(target: Target): string {
    if (target.kind === 'json') {
      return `(${target.jsonb} IS NOT NULL AND ${target.jsonb} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`;
    }
    if (target.type === 'text') return `(${target.sql} IS NOT NULL AND ${target.sql} <> '')`;
    return `(${target.sql} IS NOT NULL)`;
  }

  private compare(
    target: Target,
    definition: AttributeDefinition,
    op: CompareOp,
    value: FilterValue,
    origin: Leaf,
  ): string {
    const name = printAttrPath(origin.path);
    const reject = (why: string): never => this.fail(why, origin);
    const cannotOrder = () =>
      reject(`Operator "${op}" cannot be applied to ${definition.type} attribute "${name}"`);

    if (definition.type === 'complex') {
      return reject(`"${name}" is a complex attribute: compare one of its sub-attributes`);
    }

    if (definition.type === 'boolean') {
      // A JSON boolean, or "True"/"False" as Entra writes them (entra.stringBooleans).
      const flag = parseBoolean(value);
      if (typeof value === 'string' && flag !== undefined) this.dialects.add(ENTRA_STRING_BOOLEANS);
      if (op !== 'eq' && op !== 'ne') return cannotOrder();
      if (flag === undefined) {
        return reject(`"${name}" is a boolean and cannot be compared with ${printValue(value)}`);
      }
      const sqlOp = op === 'eq' ? '=' : 'IS DISTINCT FROM';
      return target.kind === 'json'
        ? `(${target.jsonb} ${sqlOp} to_jsonb(${this.param(flag, '::boolean')}))`
        : `(${target.sql} ${sqlOp} ${this.param(flag, '::boolean')})`;
    }

    if (definition.type === 'dateTime') {
      const instant = typeof value === 'string' ? parseDateTime(value) : undefined;
      if (op === 'co' || op === 'sw' || op === 'ew') return cannotOrder();
      if (instant === undefined) return reject(`${printValue(value)} is not a valid dateTime for "${name}"`);
      const left = target.kind === 'json' ? `(${target.text})::timestamptz` : target.sql;
      return `(${left} ${op === 'ne' ? 'IS DISTINCT FROM' : SQL_OPERATOR[op]} ${this.param(instant, '::timestamptz')})`;
    }

    if (definition.type === 'integer' || definition.type === 'decimal') {
      const numeric =
        typeof value === 'number'
          ? String(value)
          : typeof value === 'string' && NUMBER.test(value)
            ? value
            : undefined;
      if (op === 'co' || op === 'sw' || op === 'ew') return cannotOrder();
      if (numeric === undefined) {
        return reject(`"${name}" is a number and cannot be compared with ${printValue(value)}`);
      }
      const left =
        target.kind === 'json'
          ? `(CASE WHEN jsonb_typeof(${target.jsonb}) = 'number' THEN (${target.text})::numeric END)`
          : `(${target.sql})::numeric`;
      return `(${left} ${op === 'ne' ? 'IS DISTINCT FROM' : SQL_OPERATOR[op]} ${this.param(numeric, '::numeric')})`;
    }

    if (!STRING_TYPES.has(definition.type)) return reject(`Attribute "${name}" cannot be used in a filter`);
    if (typeof value === 'boolean')
      return reject(`"${name}" is a string and cannot be compared with ${value}`);
    const text = String(value); // a number here is Entra's unquoted word (`externalId eq 12345`)
    // PostgreSQL text cannot hold U+0000: sent as a parameter it would fail the query (a 500), not match.
    if (text.includes('\u0000')) return reject(`Values in filters cannot contain the character U+0000`);

    if (target.kind === 'column' && target.type === 'uuid' && (op === 'eq' || op === 'ne') && isUuid(text)) {
      // Typed comparison keeps the primary-key and membership indexes usable.
      return `(${target.sql} ${op === 'eq' ? '=' : 'IS DISTINCT FROM'} ${this.param(text, '::uuid')})`;
    }
    const fold = (sql: string) => (definition.caseExact ? sql : `lower(${sql})`);
    // A column's `folded` copy is lower(column) kept by the database: compared as is, its index stays
    // usable under row-level security, where a lower() applied to the column is never an index condition.
    const left =
      target.kind === 'json'
        ? fold(target.text)
        : target.type === 'uuid'
          ? fold(`${target.sql}::text`)
          : !definition.caseExact && target.folded !== undefined
            ? target.folded
            : fold(target.sql);

    switch (op) {
      case 'eq':
        return `(${left} = ${fold(this.param(text))})`;
      case 'ne':
        return `(${left} IS DISTINCT FROM ${fold(this.param(text))})`;
      case 'co':
      case 'sw':
      case 'ew': {
        const escaped = escapeLike(text);
        const pattern = op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
        return `(${left} LIKE ${fold(this.param(pattern))} ESCAPE E'\\\\')`;
      }
      default:
        return `(${left} ${SQL_OPERATOR[op]} ${fold(this.param(text))})`;
    }
  }
}

/**
 * One PostgreSQL predicate for `filter` over the resource table aliased `r` (scim_user or scim_group)
 * whose dedicated columns `options.columns` names, with $n placeholders from paramOffset + 1. Throws 400 invalidFilter for filters that are valid syntax
 * but cannot apply to the resource type (unknown attribute, wrong value type, `gt` on a boolean, …).
 */
export function compileFilter(
  filter: Filter,
  resourceType: ResourceTypeName,
  options: CompileOptions,
): SqlFragment {
  const compiler = new Compiler(resourceType, options.registry, options.paramOffset ?? 0, options.columns);
  const text = compiler.filter(filter, { kind: 'resource' });
  const dialects = [...new Set([...filterDialects(filter), ...compiler.dialects])].sort();
  return { text, values: compiler.values, ...(dialects.length > 0 ? { dialects } : {}) };
}
