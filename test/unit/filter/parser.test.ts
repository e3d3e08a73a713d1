import type { Filter, PatchPath } from '../../../src/domain/filter/ast.js';
import {
  DEFAULT_FILTER_LIMITS,
  parseFilter,
  parsePath,
  printFilter,
  printPath,
  sourcePosition,
} from '../../../src/domain/filter/parser.js';
import { and, cmp, expectBadRequest, not, or, path, pr, vp } from './helpers.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('attrExp (RFC 7644 §3.4.2.2, Figure 1)', () => {
  it.each<[string, string, Filter]>([
    ['eq', 'userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
    ['ne', 'userName ne "bjensen"', cmp('userName', 'ne', 'bjensen')],
    ['co', 'name.familyName co "O\'Malley"', cmp('name.familyName', 'co', "O'Malley")],
    ['sw', 'userName sw "J"', cmp('userName', 'sw', 'J')],
    ['ew', 'userName ew "sen"', cmp('userName', 'ew', 'sen')],
    [
      'gt',
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z'),
    ],
    [
      'ge',
      'meta.lastModified ge "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z'),
    ],
    [
      'lt',
      'meta.lastModified lt "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z'),
    ],
    [
      'le',
      'meta.lastModified le "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z'),
    ],
    ['pr', 'title pr', pr('title')],
  ])('compareOp %s (RFC 7644 §3.4.2.2 Table 3): %s', (_op, text, expected) => {
    expect(parseFilter(text)).toStrictEqual(expected);
  });

  it.each<[string, string]>([
    ['EQ', 'eq'],
    ['Ne', 'ne'],
    ['cO', 'co'],
    ['SW', 'sw'],
    ['Ew', 'ew'],
    ['GT', 'gt'],
    ['Ge', 'ge'],
    ['LT', 'lt'],
    ['lE', 'le'],
  ])('operator %s is case-insensitive (RFC 7644 §3.4.2.2)', (written, op) => {
    expect(parseFilter(`title ${written} "x"`)).toStrictEqual(cmp('title', op as never, 'x'));
  });

  it('"pr" is case-insensitive (RFC 7644 §3.4.2.2)', () => {
    expect(parseFilter('title PR')).toStrictEqual(pr('title'));
  });
});

describe('compValue = false / null / true / number / string (RFC 7644 §3.4.2.2, RFC 8259)', () => {
  it.each<[string, unknown]>([
    ['true', true],
    ['false', false],
    ['null', null],
    ['True', true], // Entra writes booleans capitalised
    ['FALSE', false],
    ['NULL', null],
    ['0', 0],
    ['-0', 0],
    ['42', 42],
    ['-7', -7],
    ['3.25', 3.25],
    ['-0.5', -0.5],
    ['1e3', 1000],
    ['2E-2', 0.02],
    ['1.5e+2', 150],
    ['""', ''],
    ['"plain"', 'plain'],
    ['"with \\"quotes\\""', 'with "quotes"'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"sl\\/ash"', 'sl/ash'],
    ['"\\b\\f\\n\\r\\t"', '\b\f\n\r\t'],
    ['"\\u00e9t\\u00C9"', 'étÉ'],
    ['"\\ud83d\\ude00"', '😀'],
    ['"unicode ünïcödé 😀"', 'unicode ünïcödé 😀'],
    ['"a ) and ( b ] ["', 'a ) and ( b ] ['],
    ['"100%+sure"', '100%+sure'], // scim-clients.md §4 row 17: % and + survive (filter already URL-decoded)
  ])('compValue %s (RFC 7644 §3.4.2.2 "rules from JSON")', (literal, value) => {
    expect(parseFilter(`x eq ${literal}`)).toStrictEqual(cmp('x', 'eq', value as never));
  });

  it.each<[string, string]>([
    ['jyoung', 'jyoung'],
    ['john@example.com', 'john@example.com'],
    ['0012', '0012'], // not a JSON number (leading zero): the word as sent
    ['2011-05-13T04:42:34Z', '2011-05-13T04:42:34Z'],
  ])('unquoted value %s is a string (Entra quirk, scim-clients.md §2.3)', (word, value) => {
    expect(parseFilter(`externalId eq ${word}`)).toStrictEqual(cmp('externalId', 'eq', value));
  });
});

describe('attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.4.2.2, §3.10)', () => {
  it.each<[string, string, object]>([
    ['ATTRNAME', 'userName pr', { attribute: 'userName' }],
    ['nameChar "-" "_" DIGIT', 'a-b_c9 pr', { attribute: 'a-b_c9' }],
    ['case as sent', 'USERNAME pr', { attribute: 'USERNAME' }],
    ['subAttr', 'name.givenName pr', { attribute: 'name', subAttribute: 'givenName' }],
    [
      '$ref sub-attribute (RFC 7643 §2.3.7)',
      'members.$ref pr',
      { attribute: 'members', subAttribute: '$ref' },
    ],
    ['core URN', `${CORE}:userName pr`, { uri: CORE, attribute: 'userName' }],
    [
      'core URN with subAttr',
      `${CORE}:name.givenName pr`,
      { uri: CORE, attribute: 'name', subAttribute: 'givenName' },
    ],
    ['extension URN', `${ENT}:employeeNumber pr`, { uri: ENT, attribute: 'employeeNumber' }],
    [
      'extension URN with subAttr',
      `${ENT}:manager.value pr`,
      { uri: ENT, attribute: 'manager', subAttribute: 'value' },
    ],
    [
      'URN in any case',
      `URN:IETF:params:scim:schemas:core:2.0:User:userName pr`,
      { uri: 'URN:IETF:params:scim:schemas:core:2.0:User', attribute: 'userName' },
    ],
  ])('%s (RFC 7644 §3.10)', (_what, text, expected) => {
    expect(parseFilter(text)).toStrictEqual({ kind: 'present', path: expected });
  });
});

describe('logExp, precedence and grouping (RFC 7644 §3.4.2.2, Table 4 and "Filter operator precedence")', () => {
  it.each<[string, string, Filter]>([
    ['and', 'title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
    ['or', 'title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
    ['AND/Or keywords in any case', 'a pr AND b pr Or c pr', or(and(pr('a'), pr('b')), pr('c'))],
    ['and binds tighter than or (left)', 'a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
    ['and binds tighter than or (right)', 'a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
    ['and is left-associative', 'a pr and b pr and c pr', and(and(pr('a'), pr('b')), pr('c'))],
    ['or is left-associative', 'a pr or b pr or c pr', or(or(pr('a'), pr('b')), pr('c'))],
    ['parentheses override precedence', '(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
    ['parentheses on the right', 'a pr and (b pr and c pr)', and(pr('a'), and(pr('b'), pr('c')))],
    ['redundant parentheses', '((a pr))', pr('a')],
    ['not', 'not (a pr)', not(pr('a'))],
    ['NOT in any case, no space before "("', 'NoT(a pr)', not(pr('a'))],
    ['not binds to its group only', 'not (a pr) and b pr', and(not(pr('a')), pr('b'))],
    ['not of a logExp', 'not (a pr or b pr)', not(or(pr('a'), pr('b')))],
    ['nested not', 'not (not (a pr))', not(not(pr('a')))],
    [
      'RFC example: and with grouped or',
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'eq', 'Employee'),
        or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
      ),
    ],
    [
      'RFC example: ne with not',
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'ne', 'Employee'),
        not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
      ),
    ],
    [
      'RFC example: grouped single expression',
      'userType eq "Employee" and (emails.type eq "work")',
      and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
    ],
    ['RFC example: schemas', `schemas eq "${ENT}"`, cmp('schemas', 'eq', ENT)],
    ['keyword-named attribute "and"', 'and pr', pr('and')],
    ['keyword-named attribute "not"', 'not eq 1', cmp('not', 'eq', 1)],
  ])('%s: %s', (_what, text, expected) => {
    expect(parseFilter(text)).toStrictEqual(expected);
  });
});

describe('valuePath = attrPath "[" valFilter "]" (RFC 7644 §3.4.2.2)', () => {
  it.each<[string, string, Filter]>([
    ['simple', 'emails[type eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
    [
      'RFC example: and inside',
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(
        cmp('userType', 'eq', 'Employee'),
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      ),
    ],
    [
      'RFC example: two value paths with or',
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
        vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
      ),
    ],
    [
      'or inside',
      'emails[type eq "work" or type eq "home"]',
      vp('emails', or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home'))),
    ],
    ['not inside', 'emails[not (type eq "work")]', vp('emails', not(cmp('type', 'eq', 'work')))],
    ['parentheses inside', 'emails[(type pr)]', vp('emails', pr('type'))],
    ['pr inside', 'emails[primary pr]', vp('emails', pr('primary'))],
    ['inside not', 'not (emails[type eq "work"])', not(vp('emails', cmp('type', 'eq', 'work')))],
    ['spaces around brackets', 'emails [ type eq "work" ]', vp('emails', cmp('type', 'eq', 'work'))],
    ['URN-qualified', `${CORE}:emails[type eq "work"]`, vp(`${CORE}:emails`, cmp('type', 'eq', 'work'))],
    ['members of a Group', 'members[value eq "2819c223"]', vp('members', cmp('value', 'eq', '2819c223'))],
  ])('%s: %s', (_what, text, expected) => {
    expect(parseFilter(text)).toStrictEqual(expected);
  });

  it.each<[string, Filter]>([
    [
      'emails[type eq "work"].value eq "x@example.com"',
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x@example.com'))),
    ],
    ['emails[type eq "work"].value pr', vp('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
    [
      'emails[type eq "work" or primary eq true].value co "@x"',
      vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)), cmp('value', 'co', '@x'))),
    ],
    [
      'userName eq "a" or emails[type eq "work"].value eq "b"',
      or(cmp('userName', 'eq', 'a'), vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'b')))),
    ],
  ])(
    'Entra valuePath.subAttr comparison means one element (scim-clients.md §4 row 6): %s',
    (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    },
  );
});

describe('whitespace (RFC 7644 §3.4.2.2 SP, tolerated generously)', () => {
  it.each<[string]>([
    ['userName  eq   "a"  and    title pr'],
    ['userName\teq\t"a"\tand\ttitle\tpr'],
    ['  userName eq "a"\r\n and title pr  '],
    ['userName eq"a" and title pr'],
  ])('%j parses like the single-spaced form', (text) => {
    expect(parseFilter(text)).toStrictEqual(and(cmp('userName', 'eq', 'a'), pr('title')));
  });
});

describe('invalid filters answer 400 invalidFilter with a position (RFC 7644 §3.4.2.2, §3.12)', () => {
  it.each<[string, RegExp, number]>([
    ['', /empty/, 0],
    ['   ', /empty/, 0],
    ['userName', /Expected an operator/, 8],
    ['userName eq', /Expected a value/, 11],
    ['userName xx "a"', /Expected an operator .* found "xx"/, 9],
    ['userName eq (', /Expected a value/, 12],
    ['userName eq "abc', /Unterminated string/, 12],
    ['userName eq "a\\qb"', /Invalid escape/, 14],
    ['userName eq "\\u12G4"', /\\u escape/, 13],
    ['title eq 1e999', /out of range/, 9],
    ['(userName eq "a"', /Expected "\)"/, 16],
    ['userName eq "a")', /Unbalanced "\)"/, 15],
    ['userName eq "a"]', /Unbalanced "\]"/, 15],
    ['userName eq "a" title pr', /Expected "and", "or"/, 16],
    ['title pr and', /Expected an attribute path/, 12],
    ['title pr or )', /Expected an attribute path/, 12],
    ['"x" eq "x"', /Expected an attribute path/, 0],
    [']', /Expected an attribute path/, 0],
    ['1abc eq "x"', /must start with a letter/, 0],
    ['user*name eq "x"', /Invalid character "\*"/, 4],
    ['name.given.x eq "x"', /Invalid character "\."/, 10],
    ['name. eq "x"', /Expected an attribute name/, 5],
    ['urn:a:b: eq "x"', /Expected an attribute name/, 8],
    ['ur n:a:b eq "x"', /Expected an operator/, 3],
    ['1urn:a:b eq "x"', /Invalid schema URI/, 0],
    ['not title pr', /Expected "\(" after "not"/, 4],
    ['not', /Expected "\(" after "not"/, 3],
    ['emails[type eq "work"', /Expected "\]"/, 21],
    ['emails[type eq "work"].value', /Expected an operator/, 28],
    ['emails[type eq "work"].va!ue eq "x"', /Invalid character "!"/, 25],
    ['name.givenName[x pr].y eq 1', /already names a sub-attribute/, 20],
    ['emails[value[x eq 1]]', /cannot be nested/, 12],
    ['emails[not (x[y pr])]', /cannot be nested/, 13],
    // PostgreSQL cannot hold U+0000, so no stored value contains it (22P05/22021 otherwise).
    ['title eq "a\u0000"', /U\+0000/, 11],
    ['title eq "a\\u0000"', /U\+0000/, 11],
    ['ti\u0000tle pr', /U\+0000/, 2],
  ])('%j → %s at position %i', (text, message, position) => {
    const error = expectBadRequest(() => parseFilter(text), 'invalidFilter');
    expect(error.detail).toMatch(message);
    expect(error.detail).toMatch(new RegExp(`at position ${position}$`));
  });
});

describe('limits (length, depth, node count) answer 400 and never hang (RFC 7644 §3.4.2.2 invalidFilter, §3.12)', () => {
  it('has documented defaults', () => {
    expect(DEFAULT_FILTER_LIMITS).toEqual({ maxLength: 4096, maxDepth: 32, maxNodes: 256 });
  });

  it('rejects a filter longer than maxLength', () => {
    const text = `userName eq "${'a'.repeat(5000)}"`;
    expect(expectBadRequest(() => parseFilter(text), 'invalidFilter').detail).toMatch(/longer than 4096/);
    expect(parseFilter(text, { maxLength: 6000 })).toStrictEqual(cmp('userName', 'eq', 'a'.repeat(5000)));
  });

  it('accepts nesting up to maxDepth and rejects one more level', () => {
    const nested = (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(parseFilter(nested(32))).toStrictEqual(pr('a'));
    expect(expectBadRequest(() => parseFilter(nested(33)), 'invalidFilter').detail).toMatch(
      /deeper than 32 levels at position 32$/,
    );
  });

  it('counts not and value filters as nesting', () => {
    const nots = (n: number) => `${'not ('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(() => parseFilter(nots(32))).not.toThrow();
    expectBadRequest(() => parseFilter(nots(33)), 'invalidFilter');
    expectBadRequest(() => parseFilter('emails[type pr]', { maxDepth: 0 }), 'invalidFilter');
  });

  it('rejects more than maxNodes expressions', () => {
    const chain = (n: number) => Array.from({ length: n }, () => 'a pr').join(' and ');
    expect(() => parseFilter(chain(128))).not.toThrow(); // 128 leaves + 127 and = 255 nodes
    expect(expectBadRequest(() => parseFilter(chain(129)), 'invalidFilter').detail).toMatch(/more than 256/);
    expectBadRequest(() => parseFilter(chain(3), { maxNodes: 4 }), 'invalidFilter');
  });

  it('fails fast on a maximal hostile filter', () => {
    const hostile = '('.repeat(4096);
    const started = performance.now();
    expectBadRequest(() => parseFilter(hostile), 'invalidFilter');
    expectBadRequest(() => parseFilter('not ('.repeat(819)), 'invalidFilter');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('rejects a non-string filter with a ScimError (defensive, for untyped callers)', () => {
    expectBadRequest(() => parseFilter(undefined as unknown as string), 'invalidFilter');
  });
});

describe('sourcePosition: where an error points (RFC 7644 §3.12 detail)', () => {
  it('gives the position of each attribute path and node as written', () => {
    const filter = parseFilter('a pr and  emails[type eq "x"]') as Extract<Filter, { kind: 'and' }>;
    expect(sourcePosition(filter)).toBe(5);
    expect(sourcePosition(filter.left)).toBe(0);
    const right = filter.right as Extract<Filter, { kind: 'valuePath' }>;
    expect(sourcePosition(right.path)).toBe(10);
    expect(sourcePosition((right.filter as Extract<Filter, { kind: 'compare' }>).path)).toBe(17);
  });

  it('is undefined for trees not built by the parser', () => {
    expect(sourcePosition(path('a'))).toBeUndefined();
  });
});

describe('PATCH paths: PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2)', () => {
  it.each<[string, string, PatchPath]>([
    ['attrPath', 'displayName', { path: path('displayName') }],
    ['attrPath with subAttr', 'name.familyName', { path: path('name.familyName') }],
    ['multi-valued attribute', 'members', { path: path('members') }],
    [
      'extension attribute (RFC 7644 §3.5.2 extension URN)',
      `${ENT}:department`,
      { path: path(`${ENT}:department`) },
    ],
    ['extension sub-attribute', `${ENT}:manager.value`, { path: path(`${ENT}:manager.value`) }],
    ['core URN', `${CORE}:name.givenName`, { path: path(`${CORE}:name.givenName`) }],
    [
      'valuePath (RFC 7644 §3.5.2.2 remove one member)',
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { path: path('members'), filter: cmp('value', 'eq', '2819c223-7f76-453a-919d-413861904646') },
    ],
    [
      'valuePath subAttr (RFC 7644 §3.5.2.3 replace)',
      'addresses[type eq "work"].streetAddress',
      { path: path('addresses'), filter: cmp('type', 'eq', 'work'), subAttribute: 'streetAddress' },
    ],
    [
      'Entra emails[type eq "work"].value',
      'emails[type eq "work"].value',
      { path: path('emails'), filter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
    ],
    [
      'valuePath with logExp',
      'emails[type eq "work" and primary eq True]',
      { path: path('emails'), filter: and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)) },
    ],
    ['surrounding whitespace', '  title ', { path: path('title') }],
  ])('%s: %s', (_what, text, expected) => {
    expect(parsePath(text)).toStrictEqual(expected);
  });

  it.each<[string, RegExp, number]>([
    ['', /empty/, 0],
    ['"title"', /Expected an attribute path/, 0],
    ['[type eq "x"]', /Expected an attribute path/, 0],
    ['title eq "x"', /end of the path/, 6],
    ['emails[', /Expected an attribute path/, 7],
    ['emails[type eq "work"', /Expected "\]"/, 21],
    ['emails[type eq "work"]x', /end of the path/, 22],
    ['emails[type eq "work"].value eq "x"', /end of the path/, 29],
    ['emails[type eq "work"].', /Expected an attribute name/, 23],
    ['emails.value[type eq "x"].display', /already names a sub-attribute/, 25],
    ['emails[value[a pr]]', /cannot be nested/, 12],
    ['name..x', /must start with a letter/, 5],
  ])('%j → 400 invalidPath %s at position %i (RFC 7644 §3.5.2)', (text, message, position) => {
    const error = expectBadRequest(() => parsePath(text), 'invalidPath');
    expect(error.detail).toMatch(message);
    expect(error.detail).toMatch(new RegExp(`at position ${position}$`));
  });

  it.each<[string]>([
    ['members'],
    [`${ENT}:manager.value`],
    ['emails[type eq "work" and primary eq true].value'],
  ])('printPath(parsePath(%j)) gives the path back (RFC 7644 §3.5.2)', (text) => {
    expect(printPath(parsePath(text))).toBe(text);
  });
});

describe('printFilter canonical form (RFC 7644 §3.4.2.2)', () => {
  it.each<[string, string]>([
    ['userName Eq "a"', 'userName eq "a"'],
    ['a pr AND (b pr OR c pr)', 'a pr and (b pr or c pr)'],
    ['(a pr and b pr) or c pr', 'a pr and b pr or c pr'],
    ['a pr or (b pr or c pr)', 'a pr or (b pr or c pr)'],
    ['NOT(a pr)', 'not (a pr)'],
    ['x eq "q\\"\\\\\\n"', 'x eq "q\\"\\\\\\n"'],
    ['x eq 1.50', 'x eq 1.5'],
    ['x eq True', 'x eq true'],
    ['x eq jyoung', 'x eq "jyoung"'],
    ['emails[type eq "work"].value eq "x"', 'emails[type eq "work" and value eq "x"]'],
    [`${ENT}:manager.value eq "1"`, `${ENT}:manager.value eq "1"`],
  ])('%j prints as %j', (text, printed) => {
    expect(printFilter(parseFilter(text))).toBe(printed);
  });
});
