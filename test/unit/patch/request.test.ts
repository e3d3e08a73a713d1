import type { PatchPath } from '../../../src/domain/filter/ast.js';
import { parsePatchRequest } from '../../../src/domain/patch/engine.js';
import { MAX_PATCH_OPERATIONS } from '../../../src/domain/patch/request.js';
import { PATCH_OP_SCHEMA } from '../../../src/domain/schema/urns.js';
import { body, expectScimError } from './helpers.js';

const p = (attribute: string, extra: Partial<PatchPath> = {}): PatchPath => ({
  path: { attribute },
  ...extra,
});

describe('parsePatchRequest: well-formed bodies', () => {
  it.each([
    [
      'RFC 7644 §3.5.2.1 add with a path',
      body({ op: 'add', path: 'nickName', value: 'Babs' }),
      [{ op: 'add', path: p('nickName'), value: 'Babs' }],
    ],
    [
      'RFC 7644 §3.5.2.3 replace without a path keeps the value object',
      body({ op: 'replace', value: { active: false } }),
      [{ op: 'replace', value: { active: false } }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove with a value filter parses the filter',
      body({ op: 'remove', path: 'emails[type eq "work"]' }),
      [
        {
          op: 'remove',
          path: p('emails', {
            filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
          }),
        },
      ],
    ],
    [
      'RFC 7644 §3.5.2 value filter followed by a sub-attribute',
      body({ op: 'replace', path: 'emails[type eq "work"].value', value: 'a@b.c' }),
      [
        {
          op: 'replace',
          path: p('emails', {
            filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
            subAttribute: 'value',
          }),
          value: 'a@b.c',
        },
      ],
    ],
    [
      'RFC 7644 §3.10 URN-qualified extension attribute path',
      body({
        op: 'replace',
        path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
        value: '7',
      }),
      [
        {
          op: 'replace',
          path: {
            path: {
              uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
              attribute: 'employeeNumber',
            },
          },
          value: '7',
        },
      ],
    ],
    [
      'RFC 7644 §3.5.2.3 replace with null keeps the null (unassign)',
      body({ op: 'replace', path: 'title', value: null }),
      [{ op: 'replace', path: p('title'), value: null }],
    ],
    [
      'Entra sends "Add"/"Replace"/"Remove" (op names in any case)',
      body({ op: 'Add', path: 'nickName', value: 'x' }, { op: 'REPLACE', path: 'title', value: 'y' }),
      [
        { op: 'add', path: p('nickName'), value: 'x', dialects: ['entra.opNameCase'] },
        { op: 'replace', path: p('title'), value: 'y', dialects: ['entra.opNameCase'] },
      ],
    ],
    [
      'an empty path is read as no path (RFC 7644 §3.5.2 target is the resource)',
      body({ op: 'replace', path: '', value: { active: true } }),
      [{ op: 'replace', value: { active: true } }],
    ],
  ])('%s', (_name, request, expected) => {
    expect(parsePatchRequest(request)).toEqual(expected);
  });

  it.each([
    ['Okta spelling "Operations" (RFC 7644 §3.5.2)', 'Operations'],
    ['lower-case "operations" from other clients', 'operations'],
    ['any case, "OPERATIONS"', 'OPERATIONS'],
  ])('reads the operations key: %s', (_name, key) => {
    const ops = parsePatchRequest({
      schemas: [PATCH_OP_SCHEMA],
      [key]: [{ op: 'add', path: 'title', value: 't' }],
    });
    expect(ops).toEqual([{ op: 'add', path: p('title'), value: 't' }]);
  });

  it('accepts the PatchOp URN in any case (RFC 7643 §2.1 URNs are case-insensitive)', () => {
    const request = {
      schemas: [PATCH_OP_SCHEMA.toUpperCase()],
      Operations: [{ op: 'add', path: 'title', value: 't' }],
    };
    expect(parsePatchRequest(request)).toHaveLength(1);
  });
});

describe('parsePatchRequest: malformed bodies (RFC 7644 §3.12)', () => {
  it.each([
    ['body is not an object', 'invalidSyntax', 'nope'],
    ['body is an array', 'invalidSyntax', []],
    ['schemas missing', 'invalidSyntax', { Operations: [{ op: 'add', path: 'title', value: 't' }] }],
    [
      'schemas without the PatchOp URN',
      'invalidSyntax',
      { schemas: ['urn:x'], Operations: [{ op: 'add', path: 'a', value: 1 }] },
    ],
    ['Operations missing', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA] }],
    ['Operations empty', 'invalidSyntax', body()],
    ['Operations not an array', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA], Operations: { op: 'add' } }],
    [
      'Operations twice in different case',
      'invalidSyntax',
      { schemas: [PATCH_OP_SCHEMA], Operations: [], operations: [] },
    ],
    ['an operation that is not an object', 'invalidSyntax', body('add')],
    ['unknown op', 'invalidSyntax', body({ op: 'move', path: 'title', value: 't' })],
    ['op missing', 'invalidSyntax', body({ path: 'title', value: 't' })],
    ['op not a string', 'invalidSyntax', body({ op: 1, path: 'title', value: 't' })],
    ['add without value (RFC 7644 §3.5.2.1)', 'invalidSyntax', body({ op: 'add', path: 'title' })],
    ['replace without value (RFC 7644 §3.5.2.3)', 'invalidSyntax', body({ op: 'replace', path: 'title' })],
    ['remove without path is noTarget (RFC 7644 §3.5.2.2)', 'noTarget', body({ op: 'remove' })],
    ['path not a string', 'invalidPath', body({ op: 'add', path: 7, value: 't' })],
    ['path with bad syntax', 'invalidPath', body({ op: 'add', path: 'emails[type eq', value: 't' })],
    [
      'path-less add with a non-object value (RFC 7644 §3.5.2.1)',
      'invalidValue',
      body({ op: 'add', value: 'x' }),
    ],
    [
      'path-less replace with an array value',
      'invalidValue',
      body({ op: 'replace', value: [{ active: true }] }),
    ],
  ] as const)('%s → 400 %s', (_name, scimType, request) => {
    expectScimError(() => parsePatchRequest(request), scimType);
  });
});

describe('parsePatchRequest: size limit', () => {
  const op = { op: 'add', path: 'title', value: 't' };

  it('accepts MAX_PATCH_OPERATIONS operations', () => {
    expect(parsePatchRequest(body(...Array(MAX_PATCH_OPERATIONS).fill(op)))).toHaveLength(
      MAX_PATCH_OPERATIONS,
    );
  });

  it('answers 413 above MAX_PATCH_OPERATIONS, like Bulk maxOperations (RFC 7644 §3.7.4)', () => {
    const request = body(...Array(MAX_PATCH_OPERATIONS + 1).fill(op));
    expect(() => parsePatchRequest(request)).toThrow(expect.objectContaining({ status: 413 }));
  });
});

describe('parsePatchRequest: Entra remove of members with a value array (scim-clients.md §2.7)', () => {
  it('rewrites the value list into a members[value eq …] filter so only those members go', () => {
    const [op] = parsePatchRequest(
      body({ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'a' }, { value: 'b' }] }),
    );
    expect(op).toEqual({
      op: 'remove',
      path: {
        path: { attribute: 'members' },
        filter: {
          kind: 'or',
          left: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'a' },
          right: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'b' },
        },
      },
      dialects: ['entra.opNameCase', 'entra.removeMembersByValue'],
    });
  });

  it('drops the operation when the value list is empty (removes nobody, never everybody)', () => {
    expect(parsePatchRequest(body({ op: 'remove', path: 'members', value: [] }))).toEqual([]);
  });

  it('leaves remove of members without a value alone (RFC 7644 §3.5.2.2 removes all)', () => {
    expect(parsePatchRequest(body({ op: 'remove', path: 'members' }))).toEqual([
      { op: 'remove', path: p('members') },
    ]);
  });

  it.each([
    ['a value that is not an object', [42]],
    ['a member without value', [{ display: 'x' }]],
    ['an empty member value', [{ value: '' }]],
    ['a numeric member value', [{ value: 7 }]],
  ])('rejects %s with 400 invalidValue', (_name, value) => {
    expectScimError(() => parsePatchRequest(body({ op: 'remove', path: 'members', value })), 'invalidValue');
  });
});
