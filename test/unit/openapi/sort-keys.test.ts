import { sortKeys, stableJson } from '../../../src/openapi/sort-keys.js';

describe('sortKeys / stableJson: the committed document does not depend on registration order', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: 2 } };
    expect(JSON.stringify(sortKeys(a))).toBe('{"a":{"c":2,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same bytes for the same content in another order, with a trailing newline', () => {
    expect(stableJson({ x: 1, y: [2] })).toBe(stableJson({ y: [2], x: 1 }));
    expect(stableJson({ x: 1 }).endsWith('}\n')).toBe(true);
  });

  it('drops undefined members, as JSON does', () => {
    expect(sortKeys({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(Object.keys(sortKeys({ a: undefined, b: 1 }))).toEqual(['b']);
  });

  it('keeps named examples in their order, and their values as written', () => {
    const examples = {
      examples: { okta: { value: { userName: 'a', active: true }, summary: 'Okta' }, entra: { value: {} } },
    };
    const sorted = sortKeys(examples);
    expect(Object.keys(sorted.examples)).toEqual(['okta', 'entra']);
    expect(Object.keys(sorted.examples.okta)).toEqual(['summary', 'value']);
    expect(Object.keys(sorted.examples.okta.value)).toEqual(['userName', 'active']);
  });

  it('puts application/scim+json first in content maps, for Swagger UI to preselect it', () => {
    const body = {
      content: { 'application/json': {}, 'application/scim+json': {} },
      b: { 'application/x': 1, a: 2 },
    };
    const sorted = sortKeys(body);
    expect(Object.keys(sorted.content)).toEqual(['application/scim+json', 'application/json']);
    expect(Object.keys(sorted.b)).toEqual(['a', 'application/x']);
  });
});
