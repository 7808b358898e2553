-- 004 outbox: internal domain events (subscription.changed, checkout.completed,
-- invoice.payment_failed, …) written in the same transaction as the change
-- that caused them, for consumers that run later (outbound webhooks, audits).

create table outbox (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  mode text not null check (mode in ('test', 'live')),
  type text not null,
  subject text,
  payload jsonb not null,
  created_at timestamptz not null,
  primary key (tenant_id, id)
);
create index outbox_type on outbox (tenant_id, type, id);

alter table outbox enable row level security;
alter table outbox force row level security;
create policy tenant_isolation on outbox
  using (tenant_id = tollgate_current_tenant() or tollgate_is_system())
  with check (tenant_id = tollgate_current_tenant() or tollgate_is_system());
