import { readFileSync, readdirSync } from 'node:fs';
import { DIALECT_RULES, dialectRule } from '../../../src/domain/dialects/rules.js';
import { parseFilter } from '../../../src/domain/filter/parser.js';
import { compileFilter } from '../../../src/domain/filter/to-sql.js';
import { applyPatch, parsePatchRequest } from '../../../src/domain/patch/engine.js';
import type { ResourceTypeName } from '../../../src/domain/schema/types.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { ENTERPRISE, GROUP_ID, USER_ID, fixture, storedGroup, storedUser } from '../patch/helpers.js';
import { USER_COLUMN_MAP } from '../../../src/storage/user-columns.js';
import { registry } from '../registry.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LEGACY_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/** The dialect rules a PATCH request reports, as the services log them. */
function patchDialects(resourceType: ResourceTypeName, body: Record<string, unknown>): string[] {
  const before = resourceType === 'User' ? storedUser() : storedGroup();
  const id = resourceType === 'User' ? USER_ID : GROUP_ID;
  return applyPatch(registry, resourceType, before, parsePatchRequest(body), { id }).dialects;
}

/** The dialect rules a list filter reports (parser and SQL compiler). */
function filterDialects(filter: string): string[] {
  return compileFilter(parseFilter(filter), 'User', { columns: USER_COLUMN_MAP, registry }).dialects ?? [];
}

/** The dialect rules a POST body reports. */
function createDialects(resourceType: ResourceTypeName, body: Record<string, unknown>): string[] {
  return validateResource(registry, resourceType, body, 'create').dialects;
}

/**
 * The traffic each listed rule answers, as the identity provider sends it (scim-clients.md), and the
 * names reported for it. Every rule of DIALECT_RULES has at least one row, and every row's rule fires.
 */
const TRAFFIC: [rule: string, traffic: string, reported: () => string[]][] = [
  [
    'entra.opNameCase',
    'PATCH {"op":"Replace","path":"active","value":"False"}',
    () => patchDialects('User', fixture('entra', 'entra-disable-user-string-boolean.json')),
  ],
  [
    'entra.removeMembersByValue',
    'PATCH {"op":"Remove","path":"members","value":[{"value":"<id>"}]}',
    () => patchDialects('Group', fixture('entra', 'entra-group-remove-members-by-value.json')),
  ],
  [
    'entra.pathlessAttributePaths',
    'PATCH {"op":"replace","value":{"name.givenName":"Kkom",…}}',
    () => patchDialects('User', fixture('entra', 'entra-update-user-aadoptscim062020.json')),
  ],
  [
    'okta.echoedId',
    'PATCH {"op":"replace","value":{"id":"<group id>","displayName":"…"}}',
    () => patchDialects('Group', fixture('okta', 'okta-group-rename-with-id.json')),
  ],
  [
    'entra.stringBooleans',
    'PATCH {"op":"Replace","path":"active","value":"False"}',
    () => patchDialects('User', fixture('entra', 'entra-disable-user-string-boolean.json')),
  ],
  [
    'entra.stringBooleans',
    'POST /Users {"active":"True"}',
    () => createDialects('User', { schemas: [USER], userName: 'b', active: 'True' }),
  ],
  [
    'entra.managerString',
    'PATCH {"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"<id>"}',
    () => patchDialects('User', fixture('entra', 'entra-add-manager-bare-id.json')),
  ],
  [
    'entra.managerString',
    'POST /Users {"urn:…:enterprise:2.0:User":{"manager":"<id>"}}',
    () => createDialects('User', { schemas: [USER], userName: 'b', [ENTERPRISE]: { manager: 'boss' } }),
  ],
  [
    'entra.createFilteredElement',
    'PATCH {"op":"Add","path":"phoneNumbers[type eq \\"work\\"].value",…} on a user without one',
    () => patchDialects('User', fixture('entra', 'entra-add-work-phone.json')),
  ],
  [
    'entra.qualifiedAttributeKeys',
    'POST /Users {"urn:…:enterprise:2.0:User:department":"Sales"}',
    () => createDialects('User', { schemas: [USER], userName: 'b', [`${ENTERPRISE}:department`]: 'Sales' }),
  ],
  [
    'entra.legacyGroupSchemaUri',
    'POST /Groups {"schemas":[…,"http://schemas.microsoft.com/…/ADSCIM/2.0/Group"]}',
    () => createDialects('Group', { schemas: [GROUP, LEGACY_GROUP], displayName: 'G' }),
  ],
  [
    'entra.valuePathSubAttribute',
    'filter=emails[type eq "work"].value eq "a@example.com"',
    () => filterDialects('emails[type eq "work"].value eq "a@example.com"'),
  ],
  ['entra.unquotedFilterValue', 'filter=externalId eq jyoung', () => filterDialects('externalId eq jyoung')],
  ['entra.stringBooleans', 'filter=active eq "True"', () => filterDialects('active eq "True"')],
];

describe('the dialect registry (src/domain/dialects/rules.ts)', () => {
  it('names every rule once, with an identity provider, stages, the traffic and its source', () => {
    const names = DIALECT_RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of DIALECT_RULES) {
      expect(rule.name).toMatch(new RegExp(`^${rule.idp}\\.[a-z][A-Za-z]+$`));
      expect(rule.stages.length).toBeGreaterThan(0);
      expect(rule.answers).not.toBe('');
      expect(rule.source).toMatch(/scim-clients\.md/);
    }
  });

  it('has traffic for every rule, and nothing but listed rules is reported', () => {
    expect(new Set(TRAFFIC.map(([rule]) => rule))).toEqual(new Set(DIALECT_RULES.map((r) => r.name)));
  });

  it.each(TRAFFIC)('%s answers %s', (rule, _traffic, reported) => {
    const names = reported();
    expect(names).toContain(rule);
    for (const name of names) expect(() => dialectRule(name)).not.toThrow();
  });

  it('lists every rule name the domain code mentions', () => {
    const mentioned = new Set<string>();
    const walk = (dir: URL) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(new URL(`${entry.name}/`, dir));
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(new URL(entry.name, dir), 'utf8');
          for (const match of text.matchAll(/'((?:okta|entra)\.[a-z][A-Za-z]+)'/g)) mentioned.add(match[1]);
        }
      }
    };
    walk(new URL('../../../src/domain/', import.meta.url));
    for (const name of mentioned) expect(() => dialectRule(name)).not.toThrow();
  });
});

describe('POST/PUT run the same named rules as PATCH', () => {
  it('entra.stringBooleans: "False" on POST and PUT as on PATCH', () => {
    const body = { schemas: [USER], userName: 'b', active: 'False' };
    const created = validateResource(registry, 'User', body, 'create');
    expect(created).toMatchObject({ resource: { active: false }, dialects: ['entra.stringBooleans'] });
    const replaced = validateResource(registry, 'User', body, 'replace', storedUser());
    expect(replaced).toMatchObject({ resource: { active: false }, dialects: ['entra.stringBooleans'] });
  });

  it('entra.stringBooleans: nested booleans (emails[].primary "True")', () => {
    const body = { schemas: [USER], userName: 'b', emails: [{ value: 'a@example.com', primary: 'True' }] };
    expect(validateResource(registry, 'User', body, 'create')).toMatchObject({
      resource: { emails: [{ value: 'a@example.com', primary: true }] },
      dialects: ['entra.stringBooleans'],
    });
  });

  it('entra.managerString: a bare id on PUT becomes {"value": id}', () => {
    const body = { schemas: [USER], userName: 'b', [ENTERPRISE]: { manager: 'boss-id' } };
    expect(validateResource(registry, 'User', body, 'replace', storedUser())).toMatchObject({
      resource: { [ENTERPRISE]: { manager: { value: 'boss-id' } } },
      dialects: ['entra.managerString'],
    });
  });

  it('a filter in the RFC grammar reports nothing', () => {
    expect(filterDialects('emails[type eq "work" and value eq "a@example.com"] and active eq true')).toEqual(
      [],
    );
  });

  it('reports nothing for an RFC 7643 body', () => {
    const body = { schemas: [USER], userName: 'b', active: false, [ENTERPRISE]: { manager: { value: 'x' } } };
    expect(validateResource(registry, 'User', body, 'create').dialects).toEqual([]);
  });
});
