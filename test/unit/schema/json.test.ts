import { registry } from '../registry.js';
import { ScimError } from '../../../src/domain/errors.js';
import { parsePatchRequest } from '../../../src/domain/patch/engine.js';
import { assertStorableJson, exceedsDepth, MAX_JSON_DEPTH } from '../../../src/domain/schema/json.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { PATCH_OP_SCHEMA, USER_SCHEMA } from '../../../src/domain/schema/urns.js';

/** `depth` nested objects (`depth` 1 is `{}`), built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('request bodies the server can walk and store', () => {
  it('nesting up to MAX_JSON_DEPTH is fine, one level more is not', () => {
    expect(exceedsDepth(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsDepth([[['x']]], 3)).toBe(false);
    expect(exceedsDepth([[['x']]], 2)).toBe(true);
    expect(exceedsDepth('text', 0)).toBe(false);
  });

  it('a PATCH value 100,000 levels deep is 400 invalidSyntax, not a stack overflow', () => {
    const body = {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'add', path: 'nickName', value: nested(100_000) }],
    };
    const error = scimErrorOf(() => parsePatchRequest(body));
    expect([error.status, error.scimType]).toEqual([400, 'invalidSyntax']);
  });

  it.each<[string, unknown]>([
    ['a string value', { title: 'a\u0000' }],
    ['a string in an array', { x: [1, ['\u0000']] }],
    ['an object key', { 'a\u0000': 1 }],
    ['a nested key', { x: { y: { '\u0000': true } } }],
  ])('U+0000 in %s is 400 invalidValue (PostgreSQL cannot store it)', (_name, value) => {
    const error = scimErrorOf(() => assertStorableJson(value));
    expect([error.status, error.scimType]).toEqual([400, 'invalidValue']);
  });

  it('validateResource refuses U+0000 even in an attribute it would drop', () => {
    const error = scimErrorOf(() =>
      validateResource(
        registry,
        'User',
        { schemas: [USER_SCHEMA], userName: 'b', unknown: 'x\u0000' },
        'create',
      ),
    );
    expect([error.status, error.scimType]).toEqual([400, 'invalidValue']);
  });

  it('other control characters and ordinary text pass', () => {
    expect(() => assertStorableJson({ a: 'tab\there', b: ['\u0001', 'ü'], c: null, d: 1 })).not.toThrow();
  });
});
