-- 031 outbound webhooks: the endpoints a tenant registers on its own backend,
-- every message Tollgate sends them (the exact signed body), one delivery per
-- message and endpoint with its state, and a log of every attempt.

create table webhook_endpoints (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  mode text not null check (mode in ('test', 'live')),
  url text not null,
  description text not null default '',
  -- Event types this endpoint receives; empty = every type.
  enabled_events text[] not null default '{}',
  -- The Standard Webhooks signing secret (whsec_…), sealed with AES-256-GCM.
  secret_sealed text not null,
  disabled_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id)
);
create index webhook_endpoints_active on webhook_endpoints (tenant_id, mode) where disabled_at is null;

create table webhook_messages (
  tenant_id uuid not null references tenants (id) on delete cascade,
  -- The webhook-id header: receivers deduplicate by it.
  id text not null,
  mode text not null check (mode in ('test', 'live')),
  type text not null,
  -- The body exactly as signed and sent: {"type","timestamp","data"}.
  body text not null,
  created_at timestamptz not null,
  primary key (tenant_id, id)
);
create index webhook_messages_created on webhook_messages (tenant_id, mode, created_at desc);

create table webhook_deliveries (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  mode text not null check (mode in ('test', 'live')),
  message_id text not null,
  endpoint_id uuid not null,
  status text not null check (status in ('pending', 'succeeded', 'failed', 'canceled')),
  attempts int not null default 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  last_status_code int,
  last_error text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, message_id, endpoint_id),
  foreign key (tenant_id, message_id) references webhook_messages (tenant_id, id) on delete cascade,
  foreign key (tenant_id, endpoint_id) references webhook_endpoints (tenant_id, id) on delete cascade
);
create index webhook_deliveries_endpoint on webhook_deliveries (tenant_id, endpoint_id, created_at desc);
create index webhook_deliveries_status on webhook_deliveries (tenant_id, mode, status, created_at desc);

create table webhook_delivery_attempts (
  tenant_id uuid not null references tenants (id) on delete cascade,
  delivery_id uuid not null,
  attempt int not null,
  trigger text not null check (trigger in ('automatic', 'resend')),
  attempted_at timestamptz not null,
  status_code int,
  error text,
  -- The first bytes of the endpoint's answer, for the delivery log.
  response_excerpt text,
  duration_ms int not null,
  primary key (tenant_id, delivery_id, attempt),
  foreign key (tenant_id, delivery_id) references webhook_deliveries (tenant_id, id) on delete cascade
);

select tollgate_enable_tenant_rls(t) from unnest(array['webhook_endpoints', 'webhook_messages', 'webhook_deliveries', 'webhook_delivery_attempts']::regclass[]) as t;
