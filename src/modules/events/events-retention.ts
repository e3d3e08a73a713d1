import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { EventsService } from './events.service.js';

/** How often a server prunes events older than the retention period. */
export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** The first run after start: soon, spread out so that instances started together do not prune together. */
const FIRST_RUN_MS = 60_000;

/**
 * The scheduled pruning of change events (EVENT_RETENTION_DAYS). Started by the server (not by the CLI
 * or the OpenAPI generator), on a timer that never keeps the process alive, stopped when the app
 * closes. Every instance runs it: the deletion is idempotent, so instances pruning at once only
 * repeat each other's work.
 */
@Injectable()
export class EventsRetention implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsRetention.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly events: EventsService) {}

  start(intervalMs = PRUNE_INTERVAL_MS): void {
    if (this.timer) return;
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().finally(() => {
          this.running = undefined;
          if (this.timer) schedule(intervalMs);
        });
      }, delay);
      this.timer.unref();
    };
    schedule(Math.min(intervalMs, FIRST_RUN_MS + Math.floor(Math.random() * FIRST_RUN_MS)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A run in progress finishes before the ORM closes its pool.
    await this.running;
  }

  private async runOnce(): Promise<void> {
    try {
      const pruned = await this.events.prune();
      if (pruned > 0) this.logger.log({ pruned }, 'change events past retention pruned');
    } catch (error) {
      this.logger.warn({ err: error }, 'pruning change events failed; retrying at the next run');
    }
  }
}
