import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { WebhookMetricsSource } from '../../metrics/webhook-metrics.js';
import { Database } from '../../storage/database.js';
import { type ClaimedDelivery, WebhooksRepository } from '../../storage/webhooks.repository.js';
import { type DeliveryAttempt, WebhooksService } from './webhooks.service.js';

/** Events fanned out per statement. */
const FANOUT_BATCH = 1000;
/**
 * Deliveries claimed behind each chain head, sent one after the other by the same worker: the 100,000
 * member events of a large PATCH series are 100 claims.
 */
const CHAIN_FOLLOWERS = 999;
/** Successes of a chain recorded in one statement, at most. */
const RECORD_BATCH = 100;
/** …and at most this long after the first of them was sent. */
const RECORD_INTERVAL_MS = 1000;
/** How often finished deliveries and attempts past the events' retention are deleted. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The delivery worker (docs/events.md, "Webhooks"): fans change events out into deliveries, claims
 * due deliveries, sends them and records every attempt. Runs in the server (WEBHOOK_WORKER=on) or in
 * a process of its own (src/worker.ts); any number of workers may run on one database: the fan-out
 * cursor and every delivery are claimed with FOR UPDATE SKIP LOCKED, so no two send the same delivery.
 * A worker that dies mid-send leaves a lease that runs out; the delivery is then sent again
 * (at-least-once: receivers deduplicate on webhook-id).
 */
@Injectable()
export class WebhookWorker implements BeforeApplicationShutdown, WebhookMetricsSource {
  private readonly logger = new Logger(WebhookWorker.name);
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private lastPrune = Date.now();
  private readonly counts = new Map<string, number>();
  /** The chains being sent. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retentionMs: number;

  constructor(
    private readonly db: Database,
    private readonly webhooks: WebhooksRepository,
    private readonly service: WebhooksService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.retentionMs = config.eventRetentionDays * DAY_MS;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.running || this.stopping) return;
    this.running = this.loop();
  }

  /** Stops claiming, lets the deliveries in flight finish (each within WEBHOOK_TIMEOUT_MS) and returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before the ORM closes its pool: the attempts in flight are recorded.
    await this.stop();
  }

  /**
   * One round: fan out, then claim chains into the free slots (WEBHOOK_CONCURRENCY chains in flight)
   * and start sending them; chains still in flight keep going meanwhile, so one slow receiver does not
   * hold up the next claims. Whether it found work (there may be more right away).
   */
  async runOnce(): Promise<boolean> {
    // Single statements: atomic on their own, one round trip each (no BEGIN/COMMIT around them).
    const fanned = await this.db.systemStatement((tx) => this.webhooks.fanOut(tx, FANOUT_BATCH));
    // A full batch: fan out the rest first (cheap, in order); claims scan the queue and wait for it.
    if (fanned.events === FANOUT_BATCH) return true;
    const free = this.service.config.concurrency - this.inFlight.size;
    if (free <= 0) return true;
    const claimed = await this.db.systemStatement((tx) =>
      this.webhooks.claim(tx, free, CHAIN_FOLLOWERS, this.service.leaseSeconds),
    );
    const chains = new Map<string, ClaimedDelivery[]>();
    for (const delivery of claimed) {
      const chain = chains.get(delivery.lease_token);
      if (chain) chain.push(delivery);
      else chains.set(delivery.lease_token, [delivery]);
    }
    for (const chain of chains.values()) {
      const sending: Promise<void> = this.deliverChain(chain).finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    }
    // Fewer chains than free slots: that was everything claimable now (the next claim waits for a chain
    // to end or the poll interval).
    return chains.size === free;
  }

  /**
   * Sends a chain's deliveries one after the other (in order per resource) and records them in runs:
   * successes are recorded together, up to RECORD_BATCH of them or RECORD_INTERVAL_MS after the first
   * of the run (a worker that dies resends at most that much: at-least-once), and a run ends at
   * anything else, at the chain's end, or when stopping. Each record renews the chain's claim, and the
   * last one gives it back (the chain is due again at once if more is queued). After a delivery that
   * is not delivered, the rest stays unsent: a retry's record gives the chain back due after the
   * backoff, so its followers wait behind it.
   */
  private async deliverChain(chain: ClaimedDelivery[]): Promise<void> {
    let run: DeliveryAttempt[] = [];
    let runStarted = 0;
    for (let i = 0; i < chain.length; i++) {
      if (run.length === 0) runStarted = Date.now();
      let made: DeliveryAttempt;
      try {
        made = await this.service.attempt(chain[i]);
      } catch (error) {
        // Not sent (sendWebhook never throws: signing, say): record what was, keep the claim until its
        // lease runs out, then the chain is claimed again from here.
        this.logger.warn({ err: error, deliveryId: chain[i].id }, 'sending a webhook failed');
        if (run.length > 0) await this.recordRun(run, false);
        return;
      }
      run.push(made);
      const finished = made.outcome.kind === 'delivered' || made.outcome.kind === 'expired';
      const last = i === chain.length - 1 || this.stopping || !finished;
      if (!last && run.length < RECORD_BATCH && Date.now() - runStarted < RECORD_INTERVAL_MS) continue;
      const applied = await this.recordRun(run, last);
      run = [];
      if (!applied || last) return;
    }
  }

  /** Records a run of attempts; whether the claim still holds (false: stop sending this chain). */
  private async recordRun(run: DeliveryAttempt[], last: boolean): Promise<boolean> {
    let applied: boolean;
    try {
      applied = await this.service.record(run, last);
    } catch (error) {
      // Not recorded (the database failed): the lease runs out and the chain is claimed again.
      this.logger.warn({ err: error, deliveryId: run[0].claimed.id }, 'recording webhook attempts failed');
      this.count('unrecorded', run.length);
      return false;
    }
    for (const { outcome } of run) this.count(outcome.kind, 1);
    if (!applied) {
      // The lease ran out and another worker has the chain now: sending on would race it.
      this.logger.warn(
        { deliveryId: run[0].claimed.id },
        'webhook claim lost; leaving the chain to its new claim',
      );
    }
    return applied;
  }

  private count(outcome: string, n: number): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + n);
  }

  queueStats() {
    return this.db
      .system((tx) => this.webhooks.stats(tx))
      .then((stats) => ({
        eventsNotFannedOut: stats.events_not_fanned_out,
        pendingDeliveries: stats.pending_deliveries,
        oldestPendingSeconds: stats.oldest_pending_seconds,
      }));
  }

  attemptCounts(): Iterable<[string, number]> {
    return this.counts.entries();
  }

  private async loop(): Promise<void> {
    const { concurrency, pollMs } = this.service.config;
    while (!this.stopping) {
      let more = false;
      try {
        more = await this.runOnce();
        if (Date.now() - this.lastPrune > PRUNE_INTERVAL_MS) {
          this.lastPrune = Date.now();
          const cutoff = new Date(Date.now() - this.retentionMs);
          await this.db.system((tx) => this.webhooks.prune(tx, cutoff));
        }
      } catch (error) {
        // The database is unavailable, say: try again after a pause; nothing is lost (the outbox keeps it).
        this.logger.warn({ err: error }, 'webhook worker round failed; retrying');
      }
      if (this.stopping) break;
      if (this.inFlight.size > concurrency / 2) {
        // Claim again once half the slots are free: a claim (and a fan-out) per several deliveries.
        while (this.inFlight.size > concurrency / 2) await Promise.race(this.inFlight);
      } else if (!more) {
        // Idle: the poll interval, or sooner when a chain in flight ends.
        await Promise.race([
          this.pause(pollMs),
          ...(this.inFlight.size ? [Promise.race(this.inFlight)] : []),
        ]);
      }
    }
    // Stopping: the chains in flight finish (each attempt within WEBHOOK_TIMEOUT_MS) and are recorded.
    await Promise.all(this.inFlight);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
