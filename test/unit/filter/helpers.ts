import type { AttrPath, CompareOp, Filter, FilterValue } from '../../../src/domain/filter/ast.js';
import { ScimError, type ScimType } from '../../../src/domain/errors.js';

/** `a`, `a.b`, or `urn:…:a.b` as an AttrPath without undefined keys (so toStrictEqual works). */
export function path(text: string): AttrPath {
  const colon = text.lastIndexOf(':');
  const uri = colon >= 0 ? text.slice(0, colon) : undefined;
  const [attribute, subAttribute] = text.slice(colon + 1).split('.');
  return {
    ...(uri !== undefined ? { uri } : {}),
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  };
}

export const cmp = (p: string, op: CompareOp, value: FilterValue): Filter => ({
  kind: 'compare',
  path: path(p),
  op,
  value,
});
export const pr = (p: string): Filter => ({ kind: 'present', path: path(p) });
export const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
export const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
export const not = (filter: Filter): Filter => ({ kind: 'not', filter });
export const vp = (p: string, filter: Filter): Filter => ({ kind: 'valuePath', path: path(p), filter });

/** Runs `fn` and returns the ScimError it throws; fails the test if it throws something else or nothing. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw new Error(`expected a ScimError, got ${String(error)}`);
  }
  throw new Error('expected a ScimError, nothing was thrown');
}

export function expectBadRequest(fn: () => unknown, scimType: ScimType): ScimError {
  const error = scimErrorOf(fn);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe(scimType);
  return error;
}
