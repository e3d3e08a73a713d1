import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventsRetention, PRUNE_INTERVAL_MS } from '../../../src/modules/events/events-retention.js';
import type { EventsService } from '../../../src/modules/events/events.service.js';

/** The scheduled pruning (docs/events.md, Retention): a timer that never holds the process, stopped on shutdown. */
describe('EventsRetention', () => {
  // The failed run's warning is expected here.
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function retention(prune: () => Promise<number>) {
    return new EventsRetention({ prune } as unknown as EventsService);
  }

  it('prunes within two minutes of start, then every interval; a failed run is retried at the next', async () => {
    const prune = jest
      .fn<() => Promise<number>>()
      .mockRejectedValueOnce(new Error('db down'))
      .mockResolvedValue(3);
    const job = retention(prune);
    job.start();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(prune).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(PRUNE_INTERVAL_MS);
    expect(prune).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(PRUNE_INTERVAL_MS);
    expect(prune).toHaveBeenCalledTimes(3);
    await job.beforeApplicationShutdown();
  });

  it('its timer does not keep the process alive', () => {
    const job = retention(() => Promise.resolve(0));
    const unref = jest.spyOn(globalThis, 'setTimeout');
    job.start();
    const timer = unref.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    unref.mockRestore();
    return job.beforeApplicationShutdown();
  });

  it('stops on shutdown: no run after it, and a run in progress is awaited', async () => {
    let finish!: (value: number) => void;
    const prune = jest.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const job = retention(prune);
    job.start();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(prune).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = job.beforeApplicationShutdown().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish(0);
    await stopping;
    await jest.advanceTimersByTimeAsync(3 * PRUNE_INTERVAL_MS);
    expect(prune).toHaveBeenCalledTimes(1);
  });
});
