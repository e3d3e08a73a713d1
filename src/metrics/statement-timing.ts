/**
 * How database statement durations reach the metrics without the storage layer knowing of them: the
 * code that issues a statement runs it through timedStatement (or calls observeStatement once it
 * settles), and each app with metrics on subscribes while it runs. With metrics off nobody subscribes
 * and a statement is not even timed.
 */
export type StatementObserver = (seconds: number) => void;

/**
 * Opens a trace span for a statement about to run (its text only: parameters travel apart, `$1`…)
 * and returns what ends it; set only while tracing is on (src/tracing).
 */
export type StatementTracer = (text: string) => ((error?: unknown) => void) | undefined;

const observers = new Set<StatementObserver>();
let tracer: StatementTracer | undefined;

/** One database statement took `seconds` (succeeded or failed; its text and parameters stay out). */
export function observeStatement(seconds: number): void {
  for (const observer of observers) observer(seconds);
}

/**
 * Starts timing one statement sent now (its answer comes later: pipelined statements); the returned
 * function ends it when the answer is in. Undefined, and nothing timed, with metrics and tracing off.
 */
export function startStatement(text: string): ((error?: unknown) => void) | undefined {
  if (observers.size === 0 && tracer === undefined) return undefined;
  const endSpan = tracer?.(text);
  const started = performance.now();
  return (error?: unknown) => {
    observeStatement((performance.now() - started) / 1000);
    endSpan?.(error);
  };
}

/**
 * Runs one statement and reports how long it took, whether it succeeded or failed; with tracing on,
 * in a span of its own that carries `text` (never the parameters).
 */
export async function timedStatement<T>(statement: () => Promise<T>, text = ''): Promise<T> {
  if (observers.size === 0 && tracer === undefined) return statement();
  const endSpan = tracer?.(text);
  const started = performance.now();
  let failure: unknown;
  try {
    return await statement();
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    observeStatement((performance.now() - started) / 1000);
    endSpan?.(failure);
  }
}

/** Sets the tracer of statements (tracing on); the returned function removes it again. */
export function setStatementTracer(statementTracer: StatementTracer): () => void {
  tracer = statementTracer;
  return () => {
    if (tracer === statementTracer) tracer = undefined;
  };
}

/** Subscribes `observer`; the returned function unsubscribes it. */
export function addStatementObserver(observer: StatementObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}
