import fc from 'fast-check';
import { planBulk } from '../../../src/domain/bulk/plan.js';
import { bulkIdsIn, resolveBulkIds } from '../../../src/domain/bulk/references.js';
import { parseBulkRequest, type BulkOperation } from '../../../src/domain/bulk/request.js';
import { ScimError } from '../../../src/domain/errors.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const LIMITS = { maxOperations: 10 };
type Json = Record<string, unknown>;

const request = (Operations: unknown, extra: Json = {}) => ({ schemas: [BULK], ...extra, Operations });
const user = (userName: string, extra: Json = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  ...extra,
});

function refusal(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('parseBulkRequest', () => {
  it('reads methods, paths, bulkIds, versions and the references of each operation', () => {
    const { operations, failOnErrors } = parseBulkRequest(
      request(
        [
          { method: 'post', path: '/Users', bulkId: 'a', data: user('a') },
          {
            method: 'PATCH',
            path: '/Groups/bulkId:g',
            version: 'W/"2"',
            data: { Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:a' }] }] },
          },
          { method: 'DELETE', path: 'Users/0b5e6a52-3c1d-4f7e-8a90-123456789abc' },
        ],
        { failOnErrors: 2 },
      ),
      LIMITS,
    );
    expect(failOnErrors).toBe(2);
    expect(
      operations.map(({ method, resourceType, id, bulkId, version, references, error }) => ({
        method,
        resourceType,
        id,
        bulkId,
        version,
        references,
        error,
      })),
    ).toEqual([
      {
        method: 'POST',
        resourceType: 'User',
        id: undefined,
        bulkId: 'a',
        version: undefined,
        references: [],
        error: undefined,
      },
      {
        method: 'PATCH',
        resourceType: 'Group',
        id: 'bulkId:g',
        bulkId: undefined,
        version: 'W/"2"',
        references: ['g', 'a'],
        error: undefined,
      },
      {
        method: 'DELETE',
        resourceType: 'User',
        id: '0b5e6a52-3c1d-4f7e-8a90-123456789abc',
        bulkId: undefined,
        version: undefined,
        references: [],
        error: undefined,
      },
    ]);
  });

  it('refuses the whole request only when it is no BulkRequest (400) or has too many operations (413)', () => {
    expect(refusal(() => parseBulkRequest([], LIMITS)).status).toBe(400);
    expect(refusal(() => parseBulkRequest({ Operations: [] }, LIMITS)).scimType).toBe('invalidSyntax');
    expect(refusal(() => parseBulkRequest(request([]), LIMITS)).status).toBe(400);
    expect(refusal(() => parseBulkRequest(request('x'), LIMITS)).status).toBe(400);
    expect(refusal(() => parseBulkRequest(request([{}], { failOnErrors: 0 }), LIMITS)).scimType).toBe(
      'invalidValue',
    );
    expect(refusal(() => parseBulkRequest(request([{}], { failOnErrors: 1.5 }), LIMITS)).scimType).toBe(
      'invalidValue',
    );
    const tooMany = refusal(() => parseBulkRequest(request(Array.from({ length: 11 }, () => ({}))), LIMITS));
    expect([tooMany.status, tooMany.detail]).toEqual([
      413,
      'The number of operations (11) exceeds maxOperations (10).',
    ]);
  });

  it.each([
    [{ path: '/Users', bulkId: 'a', data: {} }, 'invalidSyntax', /method/],
    [{ method: 'GET', path: '/Users/1' }, 'invalidSyntax', /method/],
    [{ method: 'POST', path: '/Users', data: {} }, 'invalidSyntax', /bulkId.*required/],
    [{ method: 'POST', path: '/Users', bulkId: 'a:b', data: {} }, 'invalidSyntax', /bulkId/],
    [{ method: 'POST', path: '/Users/1', bulkId: 'a', data: {} }, 'invalidPath', /resource type/],
    [{ method: 'POST', path: '/Things', bulkId: 'a', data: {} }, 'invalidPath', /\/Users or \/Groups/],
    [{ method: 'PUT', path: '/Users', data: {} }, 'invalidPath', /one resource/],
    [{ method: 'PUT', path: '/Users/%E0%A4%A', data: {} }, 'invalidPath', /not a valid/],
    [{ method: 'PUT', path: '/Users/1', data: [] }, 'invalidSyntax', /data/],
    [{ method: 'DELETE', path: '/Users/1', data: {} }, 'invalidSyntax', /no "data"/],
    [{ method: 'DELETE', path: '/Users/1', version: 3 }, 'invalidSyntax', /version/],
    ['not an object', 'invalidSyntax', /JSON object/],
  ])('an operation %j is refused on its own (%s)', (op, scimType, detail) => {
    const { operations } = parseBulkRequest(request([op, { method: 'DELETE', path: '/Users/1' }]), LIMITS);
    expect(operations[0].error).toMatchObject({
      status: 400,
      scimType,
      detail: expect.stringMatching(detail),
    });
    expect(operations[1].error).toBeUndefined();
  });

  it('a bulkId used by a second POST fails that POST', () => {
    const { operations } = parseBulkRequest(
      request([
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('a') },
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('b') },
      ]),
      LIMITS,
    );
    expect(operations[0].error).toBeUndefined();
    expect(operations[1].error?.detail).toMatch(/already used by operation 0/);
  });
});

describe('bulkId references', () => {
  it('are found in any `value` (members, manager, PATCH values), not in other attributes', () => {
    const data = {
      displayName: 'bulkId:not-a-reference',
      members: [{ value: 'bulkId:a' }, { value: 'plain-id' }, { value: 'bulkId:b' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:c' } },
      Operations: [
        { op: 'replace', path: 'manager', value: 'bulkId:d' },
        { op: 'add', value: { manager: { value: 'bulkId:a' } } },
      ],
    };
    expect(bulkIdsIn(data)).toEqual(['a', 'b', 'c', 'd']);
    const ids: Record<string, string> = { a: 'id-a', b: 'id-b', c: 'id-c', d: 'id-d' };
    const resolved = resolveBulkIds(data, (bulkId) => ids[bulkId]) as typeof data;
    expect(resolved.members.map((m) => m.value)).toEqual(['id-a', 'plain-id', 'id-b']);
    expect(resolved.displayName).toBe('bulkId:not-a-reference');
    expect(resolved.Operations[0].value).toBe('id-d');
    expect(data.members[0].value).toBe('bulkId:a');
  });

  it('resolving keeps a "__proto__" key a plain key', () => {
    const data = JSON.parse('{"__proto__": {"value": "bulkId:a"}}') as Json;
    const resolved = resolveBulkIds(data, () => 'id-a') as Json;
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value).toEqual({ value: 'id-a' });
  });
});

function ops(...specs: [method: string, bulkId: string | undefined, ...refs: string[]][]): BulkOperation[] {
  return specs.map(([method, bulkId, ...references], index) => ({
    index,
    method,
    ...(bulkId ? { bulkId } : {}),
    resourceType: 'Group',
    references,
  }));
}

describe('planBulk', () => {
  it('keeps the request order when nothing refers forward', () => {
    expect(planBulk(ops(['POST', 'a'], ['POST', 'b', 'a'], ['DELETE', undefined, 'b'])).order).toEqual([
      0, 1, 2,
    ]);
  });

  it('runs a forward reference after the POST it names, the rest in request order', () => {
    const plan = planBulk(ops(['POST', 'g', 'u', 'v'], ['POST', 'x'], ['POST', 'u', 'v'], ['POST', 'v']));
    expect(plan.order).toEqual([1, 3, 2, 0]);
    expect(plan.errors.size).toBe(0);
    expect(plan.dependsOn.get(0)).toEqual([2, 3]);
  });

  it('answers an unknown bulkId 400 invalidValue in its place', () => {
    const plan = planBulk(ops(['POST', 'a', 'nobody'], ['POST', 'b']));
    expect(plan.order).toEqual([0, 1]);
    expect(plan.errors.get(0)).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });

  it('answers a cycle, and what waits for it, 409 at the end, never looping', () => {
    const plan = planBulk(ops(['POST', 'a', 'b'], ['POST', 'b', 'a'], ['POST', 'c', 'a'], ['POST', 'd']));
    expect(plan.order).toEqual([3, 0, 1, 2]);
    expect(plan.errors.get(0)?.status).toBe(409);
    expect(plan.errors.get(0)?.detail).toMatch(/a → b → a/);
    expect(plan.errors.get(2)?.detail).toMatch(/depends on circular/);
    const self = planBulk(ops(['POST', 'a', 'a']));
    expect(self.errors.get(0)?.detail).toMatch(/a → a/);
  });

  it('property: every operation once; each after the POSTs it names unless refused or on a cycle', () => {
    const spec = fc.array(
      fc.record({
        post: fc.boolean(),
        refs: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(spec, (specs) => {
        const operations = ops(
          ...specs.map(({ post, refs }, i): [string, string | undefined, ...string[]] => [
            post ? 'POST' : 'PATCH',
            post ? `b${i}` : undefined,
            ...refs.map((r) => `b${r}`),
          ]),
        );
        const plan = planBulk(operations);
        expect([...plan.order].sort((a, b) => a - b)).toEqual(operations.map((op) => op.index));
        const position = new Map(plan.order.map((index, at) => [index, at]));
        for (const op of operations) {
          if (plan.errors.has(op.index)) continue;
          for (const dep of plan.dependsOn.get(op.index) ?? []) {
            expect(position.get(dep)!).toBeLessThan(position.get(op.index)!);
          }
        }
      }),
    );
  });
});
