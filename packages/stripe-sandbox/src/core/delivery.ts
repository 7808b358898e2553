/**
 * Webhook delivery: asynchronous, signed exactly like Stripe
 * (`Stripe-Signature: t=<real unix seconds>,v1=<HMAC-SHA256 of "t.payload">`),
 * retried with a compressed backoff schedule on non-2xx answers, connection
 * errors and timeouts, with the webhook faults applied (delay, reorder within a
 * window, first attempt dropped, duplicates). Every attempt is logged, and
 * `settled()` waits until nothing is queued, in flight or waiting for a retry.
 */
import { createHmac } from 'node:crypto';
import type { Faults, WebhookDecision } from './faults.ts';
import { createRandom, deriveSeed, shuffle, type Random } from './prng.ts';

export interface DeliveryJob {
  eventId: string;
  eventType: string;
  endpointId: string;
  account: string;
  /** A copy sent by the duplicate fault. */
  duplicate?: boolean;
}

/** What a job needs at send time (the endpoint may have changed or gone). */
export interface DeliveryTarget {
  url: string;
  secret: string;
  payload: string;
}

export interface DeliveryRecord {
  id: number;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  account: string;
  url: string;
  attempt: number;
  duplicate: boolean;
  status: number | null;
  error: string | null;
  outcome: 'succeeded' | 'failed' | 'dropped';
  duration_ms: number;
  at: string;
  next_retry_in_ms: number | null;
}

export interface DeliveryOptions {
  faults: Faults;
  seed?: string | number;
  /** Wait before retry n (ms); a job gets `schedule.length + 1` attempts. */
  schedule: number[];
  timeoutMs: number;
  resolve(job: DeliveryJob): DeliveryTarget | null;
  onDelivered(job: DeliveryJob): void;
  /** Keep at most this many log records (oldest dropped). */
  maxLog?: number;
}

export const DEFAULT_RETRY_SCHEDULE = [1000, 2000, 5000, 10000, 30000];
const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

/** The `Stripe-Signature` header for a payload, the way Stripe computes it. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export class Deliveries {
  readonly log: DeliveryRecord[] = [];
  private readonly opts: DeliveryOptions;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly buffers = new Map<string, { job: DeliveryJob; decision: WebhookDecision }[]>();
  private readonly random: Random;
  private outstanding = 0;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private stopped = false;

  constructor(opts: DeliveryOptions) {
    this.opts = opts;
    this.random = createRandom(deriveSeed(opts.seed, 'deliveries'));
  }

  get pending(): number {
    return this.outstanding;
  }

  setSchedule(schedule: number[]): void {
    this.opts.schedule = schedule;
  }

  enqueue(job: DeliveryJob): void {
    if (this.stopped) return;
    const target = this.opts.resolve(job);
    if (!target) return;
    this.outstanding++;
    const decision = this.opts.faults.decideWebhook(job.eventType, target.url);
    const send = (): void => {
      void this.attempt(job, 1, decision.dropFirst, decision.duplicate);
    };
    if (decision.reorderWindowMs > 0) {
      const buffer = this.buffers.get(job.endpointId);
      if (buffer) {
        buffer.push({ job, decision });
      } else {
        this.buffers.set(job.endpointId, [{ job, decision }]);
        this.later(decision.reorderWindowMs + decision.delayMs, () => void this.flush(job.endpointId));
      }
      return;
    }
    this.later(decision.delayMs, send);
  }

  /** Resolves once every delivery has succeeded or exhausted its retries. */
  settled(timeoutMs = 30_000): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`webhook deliveries not settled after ${timeoutMs} ms (${this.outstanding} outstanding)`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.buffers.clear();
    this.outstanding = 0;
    this.release();
  }

  clearLog(): void {
    this.log.length = 0;
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Send what the reorder window collected for an endpoint, one by one in shuffled order. */
  private async flush(endpointId: string): Promise<void> {
    const held = shuffle(this.buffers.get(endpointId) ?? [], this.random);
    this.buffers.delete(endpointId);
    for (const { job, decision } of held) await this.attempt(job, 1, decision.dropFirst, decision.duplicate);
  }

  private done(): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
    if (this.outstanding === 0) this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private record(job: DeliveryJob, url: string, attempt: number, fields: Pick<DeliveryRecord, 'status' | 'error' | 'outcome' | 'duration_ms' | 'next_retry_in_ms'>): void {
    this.log.push({
      id: this.nextId++,
      event_id: job.eventId,
      event_type: job.eventType,
      endpoint_id: job.endpointId,
      account: job.account,
      url,
      attempt,
      duplicate: job.duplicate ?? false,
      at: new Date().toISOString(),
      ...fields,
    });
    const max = this.opts.maxLog ?? 10_000;
    if (this.log.length > max) this.log.splice(0, this.log.length - max);
  }

  private async attempt(job: DeliveryJob, attempt: number, dropFirst: boolean, duplicate: boolean): Promise<void> {
    if (this.stopped) return;
    const target = this.opts.resolve(job);
    if (!target) {
      this.done();
      return;
    }
    const retryIn = this.opts.schedule[attempt - 1];
    const nextRetry = retryIn === undefined ? null : retryIn;
    if (attempt === 1 && dropFirst) {
      this.record(job, target.url, attempt, { status: null, error: 'dropped by fault injection (not sent)', outcome: 'dropped', duration_ms: 0, next_retry_in_ms: nextRetry });
      this.retryOrGiveUp(job, attempt, duplicate);
      return;
    }
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      // Stripe signs with the time of sending, on the real clock (never the sandbox's).
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': USER_AGENT,
          Accept: '*/*; q=0.5, application/xml',
          'Cache-Control': 'no-cache',
          'Stripe-Signature': signPayload(target.payload, target.secret, timestamp),
        },
        body: target.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    }
    if (this.stopped) return;
    const ok = status !== null && status >= 200 && status < 300;
    const duration = Math.round(performance.now() - started);
    this.record(job, target.url, attempt, { status, error, outcome: ok ? 'succeeded' : 'failed', duration_ms: duration, next_retry_in_ms: ok ? null : nextRetry });
    if (ok) {
      if (!job.duplicate) this.opts.onDelivered(job);
      if (duplicate) {
        this.outstanding++;
        this.later(0, () => void this.attempt({ ...job, duplicate: true }, 1, false, false));
      }
      this.done();
      return;
    }
    this.retryOrGiveUp(job, attempt, duplicate);
  }

  private retryOrGiveUp(job: DeliveryJob, attempt: number, duplicate: boolean): void {
    const wait = this.opts.schedule[attempt - 1];
    if (wait === undefined) {
      this.done();
      return;
    }
    this.later(wait, () => void this.attempt(job, attempt + 1, false, duplicate));
  }
}
