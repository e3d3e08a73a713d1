import {
  addStatementObserver,
  observeStatement,
  timedStatement,
} from '../../../src/metrics/statement-timing.js';

describe('statement timing for the metrics', () => {
  it('reports every statement run through timedStatement, failed ones included, to each observer', async () => {
    const seen: number[] = [];
    const stop = addStatementObserver((seconds) => seen.push(seconds));
    try {
      await expect(timedStatement(() => Promise.resolve('rows'))).resolves.toBe('rows');
      await expect(timedStatement(() => Promise.reject(new Error('statement timeout')))).rejects.toThrow(
        'statement timeout',
      );
      observeStatement(0.25);
    } finally {
      stop();
    }
    expect(seen).toHaveLength(3);
    expect(seen.every((seconds) => seconds >= 0)).toBe(true);
    expect(seen[2]).toBe(0.25);
  });

  it('reports nothing once the observer is gone', async () => {
    const seen: number[] = [];
    addStatementObserver((seconds) => seen.push(seconds))();
    await timedStatement(() => Promise.resolve());
    observeStatement(1);
    expect(seen).toEqual([]);
  });
});
