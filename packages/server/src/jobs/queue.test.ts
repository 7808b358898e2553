import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, onPostgres, type TestDb } from '../../test/db.ts';
import { withSystem } from '../db/scope.ts';
import { ManualClock } from '../lib/clock.ts';
import { createLogger } from '../log/logger.ts';
import { enqueue, JobRunner, exponentialBackoff } from './queue.ts';
import { jobRepository } from './repository.ts';

describe('job queue', () => {
  let t: TestDb;
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const logger = createLogger({ level: 'silent' });

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t.drop());

  const add = (job: Parameters<typeof enqueue>[2]) => withSystem(t.db, (tx) => enqueue(tx, clock, job));
  const status = async (id: number) => withSystem(t.db, (tx) => jobRepository.find(tx, id));

  it('runs a job once and marks it done', async () => {
    const seen: unknown[] = [];
    const runner = new JobRunner({ db: t.db, clock, logger }).register({ queue: 'q.done', handle: async (job) => void seen.push(job.payload) });
    const { id } = await add({ queue: 'q.done', payload: { n: 1 } });
    expect(await runner.drain()).toBe(1);
    expect(await runner.drain()).toBe(0);
    expect(seen).toEqual([{ n: 1 }]);
    expect((await status(id))!.status).toBe('done');
  });

  it('retries with backoff, then fails with the last error', async () => {
    let calls = 0;
    const runner = new JobRunner({ db: t.db, clock, logger }).register({
      queue: 'q.fail',
      backoff: exponentialBackoff(1000, 10_000),
      handle: async () => {
        calls++;
        throw new Error(`boom ${calls} sk_test_secretvalue`);
      },
    });
    const { id } = await add({ queue: 'q.fail', maxAttempts: 3 });
    expect(await runner.drain()).toBe(1);
    let row = (await status(id))!;
    expect(row).toMatchObject({ status: 'queued', attempts: 1, last_error: 'boom 1 sk_test_[REDACTED]' });
    expect(row.run_at.getTime()).toBe(clock.now().getTime() + 1000);
    expect(await runner.drain()).toBe(0); // not due yet
    clock.advance(1000);
    await runner.drain();
    clock.advance(2000);
    await runner.drain();
    row = (await status(id))!;
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: 'boom 3 sk_test_[REDACTED]' });
    expect(calls).toBe(3);

    // A manual replay puts it back.
    expect(await withSystem(t.db, (tx) => jobRepository.requeue(tx, { queue: 'q.fail', ids: [id] }, clock.now()))).toBe(1);
    expect((await status(id))!.status).toBe('queued');
  });

  it('enqueueing the same dedupe key twice keeps one queued job', async () => {
    const first = await add({ queue: 'q.dedupe', dedupeKey: 'product:1' });
    const second = await add({ queue: 'q.dedupe', dedupeKey: 'product:1' });
    expect(second.id).toBe(first.id);
    expect(first.inserted).toBe(true);
    expect(second.inserted).toBe(false);
  });

  it("picks up a crashed worker's job when its lease runs out", async () => {
    const { id } = await add({ queue: 'q.lease' });
    const claimed = await withSystem(t.db, (tx) => jobRepository.claim(tx, ['q.lease'], 'dead-worker', clock.now(), 5_000, 10));
    expect(claimed.map((j) => j.id)).toEqual([id]);
    const runs: number[] = [];
    const runner = new JobRunner({ db: t.db, clock, logger }).register({ queue: 'q.lease', handle: async (job) => void runs.push(job.attempts) });
    expect(await runner.drain()).toBe(0);
    clock.advance(5_001);
    expect(await runner.drain()).toBe(1);
    expect(runs).toEqual([2]);
  });

  it('two runners (on separate connection pools when on PostgreSQL) never run the same job twice', async () => {
    const other = onPostgres ? await t.openAnother() : t.db;
    const ran: number[] = [];
    const handle = async (job: { id: number }) => {
      ran.push(job.id);
      await new Promise((r) => setTimeout(r, 5));
    };
    for (let i = 0; i < 40; i++) await add({ queue: 'q.race' });
    const a = new JobRunner({ db: t.db, clock, logger }).register({ queue: 'q.race', handle });
    const b = new JobRunner({ db: other, clock, logger }).register({ queue: 'q.race', handle });
    await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
    expect(ran).toHaveLength(40);
    expect(new Set(ran).size).toBe(40);
  });

  it('a started runner is woken by NOTIFY as soon as a job commits', async () => {
    const done: number[] = [];
    const runner = new JobRunner({ db: t.db, clock, logger, pollMs: 60_000 }).register({ queue: 'q.notify', handle: async (job) => void done.push(job.id) });
    await runner.start();
    try {
      const { id } = await add({ queue: 'q.notify' });
      await expect.poll(() => done, { timeout: 5_000 }).toEqual([id]);
    } finally {
      await runner.stop();
    }
  });
});

describe('job queue retries and dedupe together', () => {
  it('a failing job whose key was queued again meanwhile gives way to the newer job', async () => {
    const t = await createTestDb();
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    try {
      let calls = 0;
      const runner = new JobRunner({ db: t.db, clock, logger: createLogger({ level: 'silent' }) }).register({
        queue: 'q.twin',
        handle: async () => {
          calls++;
          if (calls === 1) {
            // While the first run is in flight, the same object changes again.
            await withSystem(t.db, (tx) => enqueue(tx, clock, { queue: 'q.twin', dedupeKey: 'k' }));
            throw new Error('first push failed');
          }
        },
      });
      await withSystem(t.db, (tx) => enqueue(tx, clock, { queue: 'q.twin', dedupeKey: 'k' }));
      expect(await runner.drain()).toBe(2);
      expect(calls).toBe(2);
      const counts = await withSystem(t.db, (tx) => jobRepository.counts(tx));
      expect(counts).toEqual([{ queue: 'q.twin', status: 'done', n: 2 }]);
    } finally {
      await t.drop();
    }
  });
});
