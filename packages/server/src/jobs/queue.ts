/**
 * The background job runner. Domains enqueue jobs inside their own
 * transactions (so a job exists if and only if the change that needs it
 * committed) and register a handler per queue. Any number of processes run
 * workers over the same table: jobs are claimed with SKIP LOCKED under a lease,
 * retried with exponential backoff, and end `failed` with their last error.
 * Handlers must be idempotent: a job whose worker died mid-way runs again.
 * Claiming and finishing are single autocommit statements on the platform
 * `jobs` table; handlers open their own tenant-scoped transactions.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { withSystem } from '../db/scope.ts';
import type { Db, Queryable } from '../db/types.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import { redactText } from '../log/logger.ts';
import { jobRepository, type JobRow, type NewJob } from './repository.ts';

export const JOBS_CHANNEL = 'tollgate_jobs';

export type { JobRow };

/** Enqueues a job in the caller's transaction and wakes idle workers after commit. */
export async function enqueue(tx: Queryable, clock: Clock, job: Omit<NewJob, 'runAt'> & { runAt?: Date }): Promise<{ id: number; inserted: boolean }> {
  const now = clock.now();
  const result = await jobRepository.insert(tx, { ...job, runAt: job.runAt ?? now }, now);
  await tx.query('select pg_notify($1, $2)', [JOBS_CHANNEL, job.queue]);
  return result;
}

export interface QueueHandler {
  queue: string;
  handle(job: JobRow): Promise<void>;
  /** Delay before retry `attempt` (1-based), in ms. Default: 1 s doubling up to 1 h. */
  backoff?(attempt: number): number;
  /** Errors the handler marks as permanent fail the job at once. */
  isPermanent?(error: unknown): boolean;
}

export function exponentialBackoff(baseMs: number, maxMs: number) {
  return (attempt: number) => Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

const defaultBackoff = exponentialBackoff(1_000, 3_600_000);

/**
 * A job that runs every `everyMs` on whichever instance claims it: one pending
 * run per deployment (its dedupe key), queued again after every run, failed
 * ones included. Returns the function that queues the next run `delayMs` from
 * now (workers call it once at start).
 */
export function registerRecurring(
  runner: JobRunner,
  deps: { db: Db; clock: Clock },
  job: { queue: string; dedupeKey: string; everyMs: number; run(): Promise<unknown> },
): (delayMs?: number) => Promise<void> {
  const { db, clock } = deps;
  const schedule = async (delayMs = 0) => {
    await withSystem(db, (tx) => enqueue(tx, clock, { queue: job.queue, dedupeKey: job.dedupeKey, runAt: new Date(clock.now().getTime() + delayMs) }));
  };
  runner.register({
    queue: job.queue,
    async handle() {
      try {
        await job.run();
      } finally {
        await schedule(job.everyMs);
      }
    },
  });
  return schedule;
}

export interface JobRunnerOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  concurrency?: number;
  pollMs?: number;
  leaseMs?: number;
  workerId?: string;
}

export class JobRunner {
  readonly workerId: string;
  private readonly handlers = new Map<string, QueueHandler>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = true;
  private pumping = false;
  private wakeAgain = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  register(handler: QueueHandler): this {
    this.handlers.set(handler.queue, handler);
    return this;
  }

  get queues(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = await this.options.db.listen(JOBS_CHANNEL, (queue) => {
      if (queue === '*' || this.handlers.has(queue)) this.wake();
    });
    const poll = () => {
      if (this.stopped) return;
      this.wake();
      this.timer = setTimeout(poll, this.options.pollMs ?? 1_000);
      this.timer.unref();
    };
    poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.unlisten?.();
    this.unlisten = undefined;
    await Promise.allSettled([...this.running]);
  }

  /** Looks for due jobs now (coalesces concurrent wake-ups). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.wakeAgain = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.wakeAgain && !this.stopped) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private async pump(): Promise<void> {
    const concurrency = this.options.concurrency ?? 4;
    while (!this.stopped) {
      const free = concurrency - this.running.size;
      if (free <= 0) return;
      let jobs: JobRow[];
      try {
        jobs = await this.claim(free);
      } catch (err) {
        this.options.logger.warn({ err }, 'job claim failed; will retry');
        return;
      }
      if (!jobs.length) return;
      for (const job of jobs) {
        const run = this.execute(job).finally(() => {
          this.running.delete(run);
          this.wake();
        });
        this.running.add(run);
      }
    }
  }

  private claim(limit: number): Promise<JobRow[]> {
    const queues = this.queues;
    if (!queues.length) return Promise.resolve([]);
    return jobRepository.claim(this.options.db, queues, this.workerId, this.options.clock.now(), this.options.leaseMs ?? 60_000, limit);
  }

  private async execute(job: JobRow): Promise<void> {
    const handler = this.handlers.get(job.queue);
    const { db, clock, logger, metrics } = this.options;
    const count = (outcome: string) =>
      metrics?.counter('tollgate_jobs_total', 'Background jobs by queue and outcome.', ['queue', 'outcome']).inc({ queue: job.queue, outcome });
    try {
      if (!handler) throw new Error(`no handler for queue ${job.queue}`);
      await handler.handle(job);
      await jobRepository.complete(db, job.id, this.workerId, clock.now());
      count('done');
    } catch (err) {
      const message = redactText(err instanceof Error ? err.message : String(err));
      const permanent = handler?.isPermanent?.(err) ?? false;
      const delay = (handler?.backoff ?? defaultBackoff)(job.attempts);
      const retryAt = permanent ? null : new Date(clock.now().getTime() + delay);
      const outcome = await jobRepository.fail(db, job.id, this.workerId, message, clock.now(), retryAt).catch(() => 'lost' as const);
      count(outcome);
      logger[outcome === 'failed' ? 'error' : 'warn'](
        { queue: job.queue, jobId: job.id, tenantId: job.tenant_id, attempt: job.attempts, outcome, retryAt },
        `job ${job.queue}#${job.id} failed: ${message}`,
      );
    }
  }

  /**
   * Runs due jobs until none is left (tests and CLI commands): deterministic,
   * no timers. Returns the number of jobs run.
   */
  async drain(options: { queues?: string[]; maxJobs?: number } = {}): Promise<number> {
    let ran = 0;
    const max = options.maxJobs ?? 10_000;
    while (ran < max) {
      const queues = options.queues ?? this.queues;
      const jobs = await jobRepository.claim(this.options.db, queues, this.workerId, this.options.clock.now(), this.options.leaseMs ?? 60_000, 1);
      const job = jobs[0];
      if (!job) return ran;
      await this.execute(job);
      ran++;
    }
    return ran;
  }
}
