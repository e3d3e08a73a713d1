import fc from 'fast-check';
import { GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA } from './http.js';

/**
 * fast-check arbitraries for what identity providers (and worse) send: SCIM filters from the RFC 7644
 * §3.4.2.2 grammar and garbage next to it, PATCH operations, resource bodies, query strings, headers.
 * `UNIQUE` and `KNOWN_ID` are placeholders the test replaces when it sends (a fresh userName, an id
 * the model knows), so that generated requests often succeed and change the database.
 */
export const UNIQUE = '\u0001unique\u0001';
export const KNOWN_ID = '\u0001known-id\u0001';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\\u0000',
      '\uFFFF',
      '\uD800',
      '\uDFFF\uD800',
      '𝒳𝒴',
      'é\u0301',
      '"',
      '\\',
      "'; DROP TABLE scim_user; --",
      '%00',
      '${x}',
      ' ',
      '',
      '\u202E',
      'x'.repeat(1000),
    ),
  },
);

export const oddNumber = fc.oneof(
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, -(2 ** 63), 2 ** 64, 1.5, -1),
  fc.double(),
  fc.integer(),
);

/** Strings that reach the database unless validation stops them: NUL, lone surrogates, very long. */
export const evilString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\u202E\u0000'),
  // Lone surrogates, 10k characters, and letters whose case mapping changes their length (lower()).
  fc.constantFrom('\uD800', 'x\uDFFF', 'x'.repeat(10_000), 'İ', 'ß', 'ﬀ', 'ΣΑΣ', '\uFEFF', 'e\u0301'),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\uD800', 'İ')).map(([a, b]) => a + b + a),
);

const oddScalar = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));

/** Any JSON value, with odd strings and numbers, a few levels deep. */
export const oddJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('value', 'type', 'primary', '$ref')),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

const USER_ATTRIBUTES = [
  'userName',
  'name.givenName',
  'name.familyName',
  'name.formatted',
  'displayName',
  'nickName',
  'title',
  'userType',
  'active',
  'externalId',
  'id',
  'emails',
  'emails.value',
  'emails.type',
  'emails.primary',
  'phoneNumbers.value',
  'addresses.locality',
  'groups',
  'groups.value',
  'meta.created',
  'meta.lastModified',
  'meta.resourceType',
  'meta.version',
  'members',
  'members.value',
  'members.display',
  `${USER_SCHEMA}:userName`,
  `${USER_SCHEMA}:name.givenName`,
  `${ENTERPRISE}:employeeNumber`,
  `${ENTERPRISE}:manager.value`,
  `${ENTERPRISE}:department`,
  `${GROUP_SCHEMA}:displayName`,
];

export const attributePath = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...USER_ATTRIBUTES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z][\w$-]{0,10}(\.[A-Za-z]\w{0,6})?$/) },
);

const comparisonOperator = fc
  .tuple(fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'), fc.boolean())
  .map(([op, upper]) => (upper ? op.toUpperCase() : op));

const comparisonValue = fc.oneof(
  oddString.map((s) => JSON.stringify(s)),
  oddNumber.map((n) => String(n)),
  fc.constantFrom(
    'true',
    'false',
    'null',
    'True',
    '1e400',
    '-0',
    '99999999999999999999999999',
    '"2024-01-01T00:00:00Z"',
    '"2024-13-45T99:99:99Z"',
    '"0000-00-00"',
    '"294277-01-01T00:00:00Z"',
    '"\\u0000"',
    '"\\ud800"',
    '"unterminated',
    'unquoted',
  ),
);

/** Filters from the grammar: comparisons, presence, value paths, not, and, or, parentheses. */
export const validFilter: fc.Arbitrary<string> = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attributePath, comparisonOperator, comparisonValue).map(([a, op, v]) => `${a} ${op} ${v}`),
    attributePath.map((a) => `${a} pr`),
    fc
      .tuple(fc.constantFrom('emails', 'members', 'phoneNumbers', 'groups', 'addresses'), tie('filter'))
      .map(([a, f]) => `${a}[${f}]`),
    tie('filter').map((f) => `(${f})`),
    tie('filter').map((f) => `not (${f})`),
    fc
      .tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'Or'), tie('filter'))
      .map(([l, op, r]) => `${l} ${op} ${r}`),
  ),
})).filter;

/** Valid filters damaged (cut, a character inserted) and plain garbage. */
export const filter = fc.oneof(
  { weight: 4, arbitrary: validFilter },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        validFilter,
        fc.nat(),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 2 }),
          fc.constantFrom('(', ')', '[', ']', '"', '\\', '\u0000'),
        ),
      )
      .map(([f, at, insert]) => f.slice(0, at % (f.length + 1)) + insert + f.slice(at % (f.length + 1))),
  },
  { weight: 1, arbitrary: fc.tuple(validFilter, fc.nat()).map(([f, at]) => f.slice(0, at % (f.length + 1))) },
  { weight: 1, arbitrary: oddString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '('.repeat(400) + 'userName pr' + ')'.repeat(400),
      'not ('.repeat(100) + 'active pr' + ')'.repeat(100),
      Array(150).fill('userName pr').join(' or '),
    ),
  },
);

const numberLike = fc.oneof(
  fc.integer({ min: -5, max: 2000 }).map(String),
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e3',
    'abc',
    '99999999999999999999',
    '1.5',
    ' 1',
    '0x10',
    'NaN',
    'Infinity',
  ),
);

/** One query parameter as it goes into a query string: a pair, possibly repeated or oddly encoded. */
const queryParameter = fc.oneof(
  filter.map((f) => ['filter', f] as const),
  fc.tuple(fc.constant('sortBy'), attributePath),
  fc.tuple(
    fc.constant('sortOrder'),
    fc.oneof(fc.constantFrom('ascending', 'descending', 'DESCENDING', ''), oddString),
  ),
  fc.tuple(fc.constantFrom('startIndex', 'count'), numberLike),
  fc.tuple(
    fc.constantFrom('attributes', 'excludedAttributes'),
    fc.array(attributePath, { maxLength: 4 }).map((paths) => paths.join(',')),
  ),
  fc.tuple(fc.constant('cursor'), fc.oneof(fc.constant(''), fc.base64String({ maxLength: 40 }), oddString)),
  fc.tuple(
    fc.oneof(
      fc.constantFrom('filter[]', 'count[0]', 'attributes[a]', 'unknown'),
      fc.string({ maxLength: 6 }),
    ),
    oddString,
  ),
);

/** A query string: parameters percent-encoded, sometimes repeated, sometimes raw odd escapes. */
export const queryString = fc
  .tuple(
    fc.array(fc.tuple(queryParameter, fc.boolean()), { maxLength: 5 }),
    fc.constantFrom(
      '',
      '&%zz=1',
      '&filter=%',
      '&count=%00',
      '&&&',
      '&=x',
      '&filter=userName%20eq%20%22%E0%A4%A%22',
    ),
  )
  .map(
    ([parameters, odd]) =>
      parameters
        .flatMap(([[key, value], repeat]) => {
          const pair = `${encodeQuery(key)}=${encodeQuery(value)}`;
          return repeat ? [pair, pair] : [pair];
        })
        .join('&') + odd,
  );

/** Percent-encodes any string; a lone surrogate becomes U+FFFD as it would on the wire. */
function encodeQuery(text: string): string {
  return encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
}

/** A search request body (RFC 7644 §3.4.3), with right and wrong types. */
export const searchBody = fc.record(
  {
    schemas: fc.oneof(fc.constant(['urn:ietf:params:scim:api:messages:2.0:SearchRequest']), oddJson),
    filter: fc.oneof(filter, oddJson),
    sortBy: fc.oneof(attributePath, oddJson),
    sortOrder: fc.oneof(fc.constantFrom('ascending', 'descending'), oddJson),
    startIndex: fc.oneof(fc.integer({ min: -2, max: 50 }), oddJson),
    count: fc.oneof(fc.integer({ min: -2, max: 200 }), oddJson),
    attributes: fc.oneof(fc.array(attributePath, { maxLength: 3 }), oddJson),
    excludedAttributes: fc.oneof(fc.array(attributePath, { maxLength: 3 }), oddJson),
    cursor: fc.oneof(fc.constant(''), oddJson),
  },
  { requiredKeys: [] },
);

const userNameValue = fc.oneof(
  { weight: 6, arbitrary: fc.constant(UNIQUE) },
  { weight: 2, arbitrary: oddString.map((s) => `${UNIQUE}${s}`) },
  { weight: 1, arbitrary: oddJson },
);

const email = fc.record(
  {
    value: fc.oneof(fc.constant('x@example.com'), oddJson),
    type: fc.oneof(fc.constantFrom('work', 'home'), oddJson),
    primary: fc.oneof(fc.boolean(), oddJson),
  },
  { requiredKeys: [] },
);

const text = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((s) => s.trim().length > 0 && !s.includes('\u0000'));

/** A valid User body: unique userName, ordinary values. */
const cleanUserBody = fc.record(
  {
    schemas: fc.constant([USER_SCHEMA]),
    userName: fc.constant(UNIQUE),
    name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
    displayName: text,
    // At most one primary email (RFC 7643 §2.4).
    emails: fc
      .array(fc.record({ value: fc.emailAddress(), type: fc.constantFrom('work', 'home') }), { maxLength: 2 })
      .map((emails) => emails.map((email, i) => ({ ...email, primary: i === 0 }))),
    active: fc.boolean(),
    userType: fc.constantFrom('Admin', 'Editor', 'Viewer'),
    externalId: fc.constant(UNIQUE),
    title: text,
  },
  { requiredKeys: ['schemas', 'userName'] },
);

/** A valid body with one attribute replaced by an odd value. */
function withOneOddValue<T extends Record<string, unknown>>(clean: fc.Arbitrary<T>) {
  return fc
    .tuple(
      clean,
      fc.constantFrom(
        'schemas',
        'userName',
        'displayName',
        'name',
        'emails',
        'active',
        'externalId',
        'members',
        'userType',
        'id',
        ENTERPRISE,
        'title',
        'nickName',
      ),
      fc.oneof(
        oddJson,
        evilString,
        evilString.map((value) => ({ givenName: value, familyName: value })),
      ),
    )
    .map(([body, key, value]) => ({ ...body, [key]: value }));
}

/** A User body for POST or PUT: mostly valid, with odd values, wrong types and unknown keys. */
export const userBody = fc.oneof(
  { weight: 5, arbitrary: cleanUserBody },
  { weight: 3, arbitrary: withOneOddValue(cleanUserBody) },
  { weight: 3, arbitrary: fuzzedUserBody() },
);

function fuzzedUserBody() {
  return fc
    .tuple(
      fc.record(
        {
          schemas: fc.oneof(
            { weight: 5, arbitrary: fc.constant([USER_SCHEMA]) },
            fc.constant([USER_SCHEMA, ENTERPRISE]),
            oddJson,
          ),
          userName: userNameValue,
          name: fc.oneof(
            fc.record(
              { givenName: fc.oneof(oddString, oddJson), familyName: oddString },
              { requiredKeys: [] },
            ),
            oddJson,
          ),
          displayName: fc.oneof(oddString, oddJson),
          emails: fc.oneof(fc.array(email, { maxLength: 3 }), oddJson),
          active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False', 'true', 1, 0), oddJson),
          userType: fc.oneof(fc.constantFrom('Admin', 'Editor', 'Viewer'), oddJson),
          externalId: fc.oneof(oddString, oddJson),
          phoneNumbers: fc.oneof(
            fc.array(fc.record({ value: oddString, type: oddString }), { maxLength: 2 }),
            oddJson,
          ),
          [ENTERPRISE]: fc.oneof(
            fc.record(
              {
                employeeNumber: fc.oneof(oddString, oddJson),
                manager: fc.oneof(fc.record({ value: fc.oneof(fc.constant(KNOWN_ID), oddString) }), oddJson),
              },
              { requiredKeys: [] },
            ),
            oddJson,
          ),
          id: oddJson,
          meta: oddJson,
          groups: oddJson,
          password: oddString,
        },
        { requiredKeys: ['schemas', 'userName'] },
      ),
      fc.dictionary(fc.string({ maxLength: 10 }), oddJson, { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
}

const memberValue = fc.oneof(
  { weight: 4, arbitrary: fc.constant(KNOWN_ID) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: oddJson },
);
const members = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(
      fc.record(
        {
          value: memberValue,
          display: fc.oneof(oddString, oddJson),
          type: fc.oneof(fc.constantFrom('User', 'Group'), oddJson),
        },
        { requiredKeys: ['value'] },
      ),
      { maxLength: 4 },
    ),
  },
  { weight: 1, arbitrary: oddJson },
);

const cleanGroupBody = fc.record(
  {
    schemas: fc.constant([GROUP_SCHEMA]),
    displayName: fc.constant(UNIQUE),
    externalId: text,
    members: fc.array(fc.record({ value: fc.constant(KNOWN_ID) }), { maxLength: 3 }),
  },
  { requiredKeys: ['schemas', 'displayName'] },
);

/** A Group body for POST or PUT. */
export const groupBody = fc.oneof(
  { weight: 5, arbitrary: cleanGroupBody },
  { weight: 3, arbitrary: withOneOddValue(cleanGroupBody) },
  { weight: 3, arbitrary: fuzzedGroupBody() },
);

function fuzzedGroupBody() {
  return fc.record(
    {
      schemas: fc.oneof({ weight: 5, arbitrary: fc.constant([GROUP_SCHEMA]) }, oddJson),
      displayName: userNameValue,
      externalId: fc.oneof(oddString, oddJson),
      members,
      id: oddJson,
    },
    { requiredKeys: ['schemas', 'displayName'] },
  );
}

const patchPath = fc.oneof(
  { weight: 4, arbitrary: attributePath },
  { weight: 2, arbitrary: validFilter.map((f) => `emails[${f}].value`) },
  { weight: 2, arbitrary: fc.constant(`members[value eq "${KNOWN_ID}"]`) },
  { weight: 1, arbitrary: validFilter.map((f) => `members[${f}]`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'emails[type eq "work"].value',
      'name',
      `${ENTERPRISE}:manager`,
      'members',
      'active',
      'emails[',
    ),
  },
  { weight: 1, arbitrary: oddString },
);

const patchValue = fc.oneof(
  { weight: 3, arbitrary: oddJson },
  { weight: 2, arbitrary: members },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False')),
        userName: userNameValue,
        displayName: oddString,
        id: oddJson,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('True', 'False', true, false) },
);

const patchOperation = fc.record(
  {
    op: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('add', 'remove', 'replace', 'Add', 'Replace', 'Remove') },
      fc.constantFrom('copy', 'test', ''),
      oddJson,
    ),
    path: patchPath,
    value: patchValue,
  },
  { requiredKeys: ['op'] },
);

/** User operations Okta and Entra send (RFC 7644 §3.5.2), with ordinary values. */
const cleanUserOperation = fc.oneof(
  fc.record({
    op: fc.constantFrom('replace', 'Replace'),
    path: fc.constant('active'),
    value: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False')),
  }),
  fc.record({
    op: fc.constant('replace'),
    path: fc.constantFrom('displayName', 'name.givenName', 'title', 'externalId'),
    value: text,
  }),
  fc.record({
    op: fc.constant('add'),
    path: fc.constant('emails[type eq "work"].value'),
    value: fc.emailAddress(),
  }),
  fc.record({
    op: fc.constant('replace'),
    value: fc.record({ displayName: text, active: fc.boolean() }, { requiredKeys: [] }),
  }),
  fc.record({ op: fc.constant('remove'), path: fc.constantFrom('title', 'nickName', 'emails') }),
);

/** Group operations as Okta and Entra push groups. */
const cleanGroupOperation = fc.oneof(
  fc.record({
    op: fc.constant('add'),
    path: fc.constant('members'),
    value: fc.array(fc.record({ value: fc.constant(KNOWN_ID) }), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ op: fc.constant('remove'), path: fc.constant(`members[value eq "${KNOWN_ID}"]`) }),
  fc.record({
    op: fc.constant('Remove'),
    path: fc.constant('members'),
    value: fc.array(fc.record({ value: fc.constant(KNOWN_ID) }), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ op: fc.constant('replace'), path: fc.constant('externalId'), value: text }),
  fc.record({ op: fc.constant('replace'), value: fc.record({ displayName: fc.constant(UNIQUE) }) }),
);

/** The value with its strings (member values, display names) replaced by `evil`. */
function poison(value: unknown, evil: string): unknown {
  if (Array.isArray(value)) return value.map((item) => poison(item, evil));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, poison(item, evil)]));
  }
  return typeof value === 'string' ? evil : value;
}

/** A PATCH body (RFC 7644 §3.5.2): operations with valid and odd ops, paths and values. */
export function patchBody(resource: 'Users' | 'Groups') {
  const operation: fc.Arbitrary<Record<string, unknown>> =
    resource === 'Users' ? cleanUserOperation : cleanGroupOperation;
  const cleanPatch = fc.record({
    schemas: fc.constant([PATCH_SCHEMA]),
    Operations: fc.array(operation, {
      minLength: 1,
      maxLength: 3,
    }),
  });
  return fc.oneof(
    { weight: 6, arbitrary: cleanPatch },
    {
      weight: 4,
      arbitrary: fc.tuple(cleanPatch, patchOperation, fc.nat()).map(([body, odd, at]) => ({
        ...body,
        Operations: (body.Operations as unknown[]).toSpliced(at % (body.Operations.length + 1), 0, odd),
      })),
    },
    {
      // A valid operation whose value is an evil string (or holds one).
      weight: 3,
      arbitrary: fc.tuple(cleanPatch, evilString).map(([body, evil]) => ({
        ...body,
        Operations: body.Operations.map((operation) =>
          operation.value === undefined ? operation : { ...operation, value: poison(operation.value, evil) },
        ),
      })),
    },
    {
      weight: 8,
      arbitrary: fc.record(
        {
          schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([PATCH_SCHEMA]) }, oddJson),
          Operations: fc.oneof(
            { weight: 6, arbitrary: fc.array(patchOperation, { minLength: 1, maxLength: 4 }) },
            oddJson,
          ),
        },
        { requiredKeys: ['schemas'] },
      ),
    },
    { weight: 1, arbitrary: oddJson },
  );
}

/** A JSON text made odd: a number replaced by one out of range, deep nesting, or cut short. */
export function damage(json: string, how: number): string {
  switch (how % 6) {
    case 0:
      return json.replace(/(:\s*)(true|false|null|"[^"]*")/, '$11e400');
    case 1:
      return json.replace(/(:\s*)(true|false|null|"[^"]*")/, '$1-99999999999999999999999999999999');
    case 2:
      return json.replace(/^\{/, `{"deep":${'['.repeat(5000)}${']'.repeat(5000)},`);
    case 3:
      return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
    case 4:
      return json.replace(/^\{/, '{"userName":"dup1","userName":"dup2",');
    default:
      return json.replace(/"([^"]*)"/, '"$1\\u0000"');
  }
}

/** Header values a client may send (fetch refuses CR, LF and NUL, so those never reach the server). */
const headerText = fc
  .oneof(oddString, fc.string({ unit: 'binary-ascii', maxLength: 30 }))
  .map((s) => s.replace(/[^\t\x20-\x7e]/g, '').trim());

export const contentType = fc.oneof(
  fc.constantFrom(
    'application/scim+json',
    'application/scim+json; charset=utf-8',
    'application/json',
    'application/json; charset=UTF-8',
    'application/scim+json; charset=latin1',
    'APPLICATION/SCIM+JSON',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json;;;',
    'application/*',
    '*/*',
  ),
  headerText,
);

export const etag = fc.oneof(
  fc.constantFrom('*', 'W/"1"', '"1"', 'W/""', 'W/"99999999999999999999"', 'W/"-1"', 'W/', 'W/"a", W/"b"'),
  headerText,
);

export function authorization(apiKey: string) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${apiKey}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `bearer ${apiKey}`,
        `Bearer  ${apiKey}`,
        `Bearer ${apiKey}x`,
        `Bearer ${apiKey.slice(0, -1)}`,
        `Basic ${Buffer.from(`x:${apiKey}`).toString('base64')}`,
        apiKey,
        'Bearer',
        'Bearer scim__',
        'Bearer scim_00000000-0000-0000-0000-000000000000_secret',
        `Bearer scim_${'a'.repeat(3000)}_b`,
        '',
      ),
    },
    { weight: 1, arbitrary: headerText.map((s) => `Bearer ${s}`) },
  );
}

/** Extra headers: content type, conditional requests, Accept, request ids. */
export function headers(apiKey: string) {
  return fc.record(
    {
      authorization: authorization(apiKey),
      'content-type': contentType,
      'if-match': etag,
      'if-none-match': etag,
      accept: fc.oneof(
        fc.constantFrom('application/scim+json', 'application/json', 'text/html', '*/*', 'application/xml'),
        headerText,
      ),
      'x-request-id': headerText,
      'accept-charset': fc.constantFrom('utf-8', 'latin1', '*'),
    },
    { requiredKeys: ['authorization'] },
  );
}
