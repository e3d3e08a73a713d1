/**
 * How database statement durations reach the metrics without the storage layer knowing of them: the
 * code that issues a statement runs it through timedStatement (or calls observeStatement once it
 * settles), and each app with metrics on subscribes while it runs. With metrics off nobody subscribes
 * and a statement is not even timed.
 */
export type StatementObserver = (seconds: number) => void;

const observers = new Set<StatementObserver>();

/** One database statement took `seconds` (succeeded or failed; its text and parameters stay out). */
export function observeStatement(seconds: number): void {
  for (const observer of observers) observer(seconds);
}

/** Runs one statement and reports how long it took, whether it succeeded or failed. */
export async function timedStatement<T>(statement: () => Promise<T>): Promise<T> {
  if (observers.size === 0) return statement();
  const started = performance.now();
  try {
    return await statement();
  } finally {
    observeStatement((performance.now() - started) / 1000);
  }
}

/** Subscribes `observer`; the returned function unsubscribes it. */
export function addStatementObserver(observer: StatementObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}
