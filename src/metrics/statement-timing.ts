/**
 * How database statement durations reach the metrics without the storage layer knowing of them: the
 * code that issues a statement calls observeStatement once it settles, and each app with metrics on
 * subscribes while it runs. With metrics off the set is empty and the call costs an empty loop.
 */
export type StatementObserver = (seconds: number) => void;

const observers = new Set<StatementObserver>();

/** One database statement took `seconds` (succeeded or failed; its text and parameters stay out). */
export function observeStatement(seconds: number): void {
  for (const observer of observers) observer(seconds);
}

/** Subscribes `observer`; the returned function unsubscribes it. */
export function addStatementObserver(observer: StatementObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}
