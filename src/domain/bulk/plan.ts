import { ScimError } from '../errors.js';
import type { BulkOperation } from './request.js';
import { unknownBulkId } from './references.js';

/**
 * The order a Bulk request's operations run in, and the ones answered without running.
 *
 * An operation that refers to `bulkId:x` runs after the POST that defines x (RFC 7644 §3.7.2: forward
 * references are allowed), otherwise the request's order is kept: a stable topological order (the
 * lowest index whose dependencies have run goes next). Operations on a cycle of references (A names B,
 * B names A), and those that depend on one, are answered 409 (§3.7.1 allows stopping there) and come
 * last; an operation naming a bulkId that no POST defines is answered 400 invalidValue in its place.
 */
export interface BulkPlan {
  /** Every operation's index, in the order they are to be answered. */
  order: number[];
  /** The index of the POST that defines each bulkId (the first one, when a bulkId is repeated). */
  definedBy: Map<string, number>;
  /** The operations answered with an error without running (refused, unknown bulkId, circular). */
  errors: Map<number, ScimError>;
  /** For each operation, the operations it waits for (the POSTs of the bulkIds it names). */
  dependsOn: Map<number, number[]>;
}

export function planBulk(operations: readonly BulkOperation[]): BulkPlan {
  const definedBy = new Map<string, number>();
  for (const op of operations) {
    // The first POST of a bulkId defines it, even one refused: what names it then fails with it.
    if (op.method === 'POST' && op.bulkId !== undefined && !definedBy.has(op.bulkId))
      definedBy.set(op.bulkId, op.index);
  }
  const errors = new Map<number, ScimError>();
  const dependsOn = new Map<number, number[]>();
  for (const op of operations) {
    if (op.error) {
      errors.set(op.index, op.error);
      continue;
    }
    const unknown = op.references.find((bulkId) => !definedBy.has(bulkId));
    if (unknown !== undefined) {
      errors.set(op.index, unknownBulkId(unknown));
      continue;
    }
    const deps = [...new Set(op.references.map((bulkId) => definedBy.get(bulkId)!))];
    if (deps.length > 0) dependsOn.set(op.index, deps);
  }

  // Kahn's algorithm with the lowest ready index first (a binary heap keeps it O(n log n)).
  const waitingOn = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  for (const [index, deps] of dependsOn) {
    waitingOn.set(index, deps.length);
    for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), index]);
  }
  const ready = new MinHeap();
  for (const op of operations) if (!waitingOn.has(op.index)) ready.push(op.index);
  const order: number[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(next);
    for (const dependent of dependents.get(next) ?? []) {
      const left = waitingOn.get(dependent)! - 1;
      waitingOn.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  // What never became ready is on a cycle, or waits for one.
  const placed = new Set(order);
  for (const op of operations) {
    if (placed.has(op.index)) continue;
    order.push(op.index);
    errors.set(op.index, circular(op.index, dependsOn, placed, operations));
  }
  return { order, definedBy, errors, dependsOn };
}

/** 409 naming the cycle the operation is on or waits for, e.g. `a → b → a`. */
function circular(
  start: number,
  dependsOn: Map<number, number[]>,
  placed: Set<number>,
  operations: readonly BulkOperation[],
): ScimError {
  const path: number[] = [];
  const seen = new Map<number, number>();
  let current: number | undefined = start;
  while (current !== undefined && !seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    current = dependsOn.get(current)?.find((dep) => !placed.has(dep));
  }
  const name = (index: number) => operations[index].bulkId ?? `#${index}`;
  const cycle = current === undefined ? path : [...path.slice(seen.get(current)), current];
  const on = current !== undefined && seen.get(current) === 0;
  return new ScimError(
    409,
    on
      ? `Circular bulkId references (${cycle.map(name).join(' → ')}): the operations on the cycle are not run.`
      : `The operation depends on circular bulkId references (${cycle.map(name).join(' → ')}) and is not run.`,
  );
}

class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= items[i]) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): number | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && items[left] < items[smallest]) smallest = left;
        if (right < items.length && items[right] < items[smallest]) smallest = right;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i], items[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
