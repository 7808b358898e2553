/** Every SQL statement of the job queue. */
import type { Queryable } from '../db/types.ts';

export interface JobRow {
  id: number;
  queue: string;
  tenant_id: string | null;
  dedupe_key: string | null;
  payload: Record<string, unknown>;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  run_at: Date;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface NewJob {
  queue: string;
  tenantId?: string | null;
  dedupeKey?: string | null;
  payload?: Record<string, unknown>;
  runAt: Date;
  maxAttempts?: number;
}

/**
 * The job insert as a statement of its own or a step of a larger one (the
 * webhook intake stores an event and its job in one statement): parameters
 * from $`first` on, in the order of `jobInsertParams`; `when` gates it.
 */
export function jobInsertSql(first: number, when = 'true'): string {
  const p = (i: number, type: string) => `$${first + i}::${type}`;
  return `insert into jobs (queue, tenant_id, dedupe_key, payload, run_at, max_attempts, created_at, updated_at)
       select ${p(0, 'text')}, ${p(1, 'uuid')}, ${p(2, 'text')}, ${p(3, 'jsonb')}, ${p(4, 'timestamptz')}, ${p(5, 'int')}, ${p(6, 'timestamptz')}, ${p(6, 'timestamptz')}
        where ${when}
       on conflict (queue, dedupe_key) where dedupe_key is not null and status = 'queued'
       do update set run_at = least(jobs.run_at, excluded.run_at), payload = excluded.payload, updated_at = excluded.updated_at`;
}

export function jobInsertParams(job: NewJob, now: Date): unknown[] {
  return [job.queue, job.tenantId ?? null, job.dedupeKey ?? null, JSON.stringify(job.payload ?? {}), job.runAt, job.maxAttempts ?? 10, now];
}

export const jobRepository = {
  /** Inserts a job; with a dedupe key that is already queued, keeps the earlier run time and returns nothing new. */
  async insert(tx: Queryable, job: NewJob, now: Date): Promise<{ id: number; inserted: boolean }> {
    const { rows } = await tx.query<{ id: number; inserted: boolean }>(`${jobInsertSql(1)} returning id, (xmax = 0) as inserted`, jobInsertParams(job, now));
    return rows[0]!;
  },

  /** Claims up to `limit` due jobs of `queues` for `worker` under a lease (system scope). */
  async claim(tx: Queryable, queues: readonly string[], worker: string, now: Date, leaseMs: number, limit: number): Promise<JobRow[]> {
    const { rows } = await tx.query<JobRow>(
      `with next as (
         select id from jobs
          where queue = any($1::text[]) and run_at <= $3
            and (status = 'queued' or (status = 'running' and locked_until < $3))
          order by run_at, id
          limit $5
          for update skip locked
       )
       update jobs j set status = 'running', attempts = j.attempts + 1, locked_by = $2,
              locked_until = $3::timestamptz + ($4::int * interval '1 millisecond'), updated_at = $3
         from next where j.id = next.id
       returning j.*`,
      [queues, worker, now, leaseMs, limit],
    );
    return rows;
  },

  async complete(tx: Queryable, id: number, worker: string, now: Date): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update jobs set status = 'done', finished_at = $3, updated_at = $3, locked_by = null, locked_until = null, last_error = null
        where id = $1 and locked_by = $2 and status = 'running'`,
      [id, worker, now],
    );
    return rowCount > 0;
  },

  /** Schedules a retry at `retryAt`, or marks the job failed when it has no attempts left. */
  async fail(tx: Queryable, id: number, worker: string, error: string, now: Date, retryAt: Date | null): Promise<'retry' | 'failed' | 'lost'> {
    const { rows } = await tx.query<{ status: string }>(
      `update jobs set status = case when $5::timestamptz is null or attempts >= max_attempts then 'failed'
                                 -- a newer job for the same key is already queued: it supersedes this retry
                                 when dedupe_key is not null and exists (select 1 from jobs d where d.queue = jobs.queue
                                   and d.dedupe_key = jobs.dedupe_key and d.status = 'queued' and d.id <> jobs.id) then 'done'
                                 else 'queued' end,
              run_at = coalesce($5::timestamptz, run_at), last_error = $3::text, updated_at = $4::timestamptz,
              locked_by = null, locked_until = null,
              finished_at = case when $5::timestamptz is null or attempts >= max_attempts then $4::timestamptz else null end
        where id = $1 and locked_by = $2 and status = 'running'
       returning status`,
      [id, worker, error.slice(0, 2000), now, retryAt],
    );
    const status = rows[0]?.status;
    return status === 'queued' || status === 'done' ? 'retry' : status === 'failed' ? 'failed' : 'lost';
  },

  /** Puts failed jobs back in the queue (manual replay). */
  async requeue(tx: Queryable, filter: { queue: string; ids?: number[]; tenantId?: string }, now: Date): Promise<number> {
    const { rowCount } = await tx.query(
      `update jobs set status = 'queued', run_at = $4, attempts = 0, updated_at = $4, finished_at = null
        where queue = $1 and status = 'failed' and ($2::bigint[] is null or id = any($2)) and ($3::uuid is null or tenant_id = $3)`,
      [filter.queue, filter.ids ?? null, filter.tenantId ?? null, now],
    );
    return rowCount;
  },

  async find(tx: Queryable, id: number): Promise<JobRow | undefined> {
    const { rows } = await tx.query<JobRow>('select * from jobs where id = $1', [id]);
    return rows[0];
  },

  async counts(tx: Queryable): Promise<Array<{ queue: string; status: string; n: number }>> {
    const { rows } = await tx.query<{ queue: string; status: string; n: number }>(
      'select queue, status, count(*)::int as n from jobs group by queue, status order by queue, status',
    );
    return rows;
  },

  /** Deletes finished jobs older than `before` (housekeeping). */
  async prune(tx: Queryable, before: Date): Promise<number> {
    const { rowCount } = await tx.query("delete from jobs where status = 'done' and finished_at < $1", [before]);
    return rowCount;
  },
};
