-- 020 webhook events: every Stripe event Tollgate received, stored before it
-- answered 2xx, deduplicated by event id, with its processing status.
--
-- `ledger_read_seq` orders projections: a worker takes a number before it
-- re-reads an object from Stripe, and a ledger row is only overwritten by a
-- read that started later (see src/billing/projector.ts). It must hand out
-- numbers in real-time order across sessions, so it keeps the default CACHE 1.

create sequence ledger_read_seq;

create table webhook_events (
  tenant_id uuid not null references tenants (id) on delete cascade,
  -- Stripe's event id (evt_…).
  id text not null,
  -- Arrival order, for listing and cursors.
  seq bigint generated always as identity,
  mode text not null check (mode in ('test', 'live')),
  endpoint_id uuid not null,
  type text not null,
  -- Connect: the connected account the event belongs to.
  account text,
  livemode boolean not null,
  api_version text,
  -- Stripe's `created` (second precision).
  created timestamptz not null,
  -- The object the event is about (data.object.object / .id).
  object_type text,
  object_id text,
  payload jsonb not null,
  status text not null check (status in ('pending', 'retrying', 'processed', 'ignored', 'failed')),
  attempts int not null default 0,
  last_error text,
  next_attempt_at timestamptz,
  -- What processing did, in a few words (e.g. "subscription sub_… updated").
  outcome text,
  received_at timestamptz not null,
  processed_at timestamptz,
  primary key (tenant_id, id)
);

create index webhook_events_list on webhook_events (tenant_id, mode, seq);
create index webhook_events_status on webhook_events (tenant_id, mode, status, seq) where status in ('pending', 'retrying', 'failed');
create index webhook_events_object on webhook_events (tenant_id, object_id) where object_id is not null;

select tollgate_enable_tenant_rls('webhook_events');
