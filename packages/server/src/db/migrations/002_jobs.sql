-- 002 jobs: the durable background job queue shared by every domain (catalog
-- sync, webhook processing, outbound webhooks, scheduled work).
--
-- A platform table: one queue for all tenants, claimed with FOR UPDATE SKIP
-- LOCKED under a lease, so several server processes share it safely and a
-- crashed process's jobs are picked up again when its lease runs out. It holds
-- only ids and pointers (never tenant data), so it has no row-level security:
-- workers claim and finish jobs in single statements, without a transaction
-- per step.

create table jobs (
  id bigint generated always as identity primary key,
  queue text not null,
  tenant_id uuid references tenants (id) on delete cascade,
  dedupe_key text,
  payload jsonb not null default '{}',
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  attempts int not null default 0,
  max_attempts int not null default 10,
  run_at timestamptz not null,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  finished_at timestamptz
);

-- At most one queued job per (queue, dedupe_key): enqueueing it again is a no-op.
create unique index jobs_dedupe_key on jobs (queue, dedupe_key) where dedupe_key is not null and status = 'queued';
create index jobs_due on jobs (run_at, id) where status in ('queued', 'running');
create index jobs_tenant on jobs (tenant_id, queue, status);
