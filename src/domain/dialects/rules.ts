/**
 * Every identity-provider quirk this server answers, once, by name (STYLE §4). The traffic each rule
 * answers is quoted from docs of the identity providers and interop bug reports collected in the
 * reference "What Okta and Microsoft Entra ID send" (scim-clients.md; sections cited per rule). Each
 * rule is tested with that traffic in test/unit/dialects/ and reported by name when it rewrites a
 * request, so the services log it at debug (`result.dialects` of applyPatch and validateResource).
 *
 * Stages, in the order a request meets them:
 * - request: parsePatchRequest, before anything is known about the schema;
 * - pathless: splitting a path-less PATCH value into one operation per attribute;
 * - schema: PATCH operations rewritten with the schema registry at hand, before the RFC rules;
 * - validator: a POST/PUT body (and the resource a PATCH produced) checked against the schema;
 * - filter: a `filter` query parameter or a PATCH value filter.
 */

export type DialectStage = 'request' | 'pathless' | 'schema' | 'validator' | 'filter';
export type IdentityProvider = 'okta' | 'entra';

export interface DialectRule {
  name: string;
  idp: IdentityProvider;
  /** Where the rule runs; a rule that answers the same quirk on POST/PUT and PATCH lists both stages. */
  stages: readonly DialectStage[];
  /** The traffic it answers, as the identity provider sends it. */
  answers: string;
  /** Where that traffic is documented (scim-clients.md section, issue numbers). */
  source: string;
}

export const ENTRA_OP_NAME_CASE = 'entra.opNameCase';
export const ENTRA_REMOVE_MEMBERS_BY_VALUE = 'entra.removeMembersByValue';
export const ENTRA_PATHLESS_ATTRIBUTE_PATHS = 'entra.pathlessAttributePaths';
export const OKTA_ECHOED_ID = 'okta.echoedId';
export const ENTRA_STRING_BOOLEANS = 'entra.stringBooleans';
export const ENTRA_MANAGER_STRING = 'entra.managerString';
export const ENTRA_CREATE_FILTERED_ELEMENT = 'entra.createFilteredElement';
export const ENTRA_QUALIFIED_ATTRIBUTE_KEYS = 'entra.qualifiedAttributeKeys';
export const ENTRA_LEGACY_GROUP_SCHEMA_URI = 'entra.legacyGroupSchemaUri';
export const ENTRA_VALUE_PATH_SUB_ATTRIBUTE = 'entra.valuePathSubAttribute';
export const ENTRA_UNQUOTED_FILTER_VALUE = 'entra.unquotedFilterValue';

export const DIALECT_RULES: readonly DialectRule[] = Object.freeze([
  {
    name: ENTRA_OP_NAME_CASE,
    idp: 'entra',
    stages: ['request'],
    answers: '{"op":"Replace",…}: op names capitalised; RFC 7644 §3.5.2 spells them in lower case.',
    source: 'scim-clients.md §2.5, §4 row 1',
  },
  {
    name: ENTRA_REMOVE_MEMBERS_BY_VALUE,
    idp: 'entra',
    stages: ['request'],
    answers:
      '{"op":"Remove","path":"members","value":[{"value":"<id>"}]}: removes the listed members only (read literally it removes every member).',
    source: 'scim-clients.md §2.7, §4 row 4',
  },
  {
    name: ENTRA_PATHLESS_ATTRIBUTE_PATHS,
    idp: 'entra',
    stages: ['pathless'],
    answers:
      '{"op":"replace","value":{"name.givenName":"x","urn:…:enterprise:2.0:User:employeeNumber":"y"}}: attribute paths as keys of a path-less value.',
    source: 'scim-clients.md §2.5 (aadOptscim062020)',
  },
  {
    name: ENTRA_QUALIFIED_ATTRIBUTE_KEYS,
    idp: 'entra',
    stages: ['validator'],
    answers:
      'POST/PUT bodies with attribute paths as keys ("name.givenName", "urn:…:enterprise:2.0:User:department") instead of nested objects.',
    source: 'scim-clients.md §2.5',
  },
  {
    name: OKTA_ECHOED_ID,
    idp: 'okta',
    stages: ['schema'],
    answers:
      '{"op":"replace","value":{"id":"<the group id>","displayName":"…"}}: a group rename that echoes the readOnly id.',
    source: 'scim-clients.md §1.7 step 4, §4 row 3',
  },
  {
    name: ENTRA_STRING_BOOLEANS,
    idp: 'entra',
    stages: ['schema', 'validator', 'filter'],
    answers:
      '{"op":"Replace","path":"active","value":"False"}, "active":"True" in a body, roles[primary eq "True"]: booleans as strings, any case.',
    source: 'scim-clients.md §2.4, §2.6, §4 row 5',
  },
  {
    name: ENTRA_MANAGER_STRING,
    idp: 'entra',
    stages: ['schema', 'validator'],
    answers:
      '{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"<id>"} and "manager":"<id>" in a body: the complex manager as a bare id.',
    source: 'scim-clients.md §2.5, §4 row 13',
  },
  {
    name: ENTRA_CREATE_FILTERED_ELEMENT,
    idp: 'entra',
    stages: ['schema'],
    answers:
      '{"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"…"} when the user has no work e-mail: the element is created.',
    source: 'scim-clients.md §2.5, §5 item 8 (RFC 7644 erratum 8097)',
  },
  {
    name: ENTRA_LEGACY_GROUP_SCHEMA_URI,
    idp: 'entra',
    stages: ['validator'],
    answers:
      '"schemas":[…,"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"] on POST /Groups: tolerated, never emitted.',
    source: 'scim-clients.md §2.7, §4 row 16',
  },
  {
    name: ENTRA_VALUE_PATH_SUB_ATTRIBUTE,
    idp: 'entra',
    stages: ['filter'],
    answers: 'filter=emails[type eq "work"].value eq "…": a value path followed by a sub-attribute.',
    source: 'scim-clients.md §2.3, §4 row 6',
  },
  {
    name: ENTRA_UNQUOTED_FILTER_VALUE,
    idp: 'entra',
    stages: ['filter'],
    answers: 'filter=externalId eq jyoung: an unquoted word as the compared value.',
    source: 'scim-clients.md §2.3, §4 row 7',
  },
] satisfies DialectRule[]);

/** The rule of that name; throws for a name not listed above (a rule applied without being listed). */
export function dialectRule(name: string): DialectRule {
  const rule = DIALECT_RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`Dialect rule ${name} is not listed in src/domain/dialects/rules.ts`);
  return rule;
}
