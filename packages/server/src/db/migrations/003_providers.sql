-- 003 providers: a tenant's connection to Stripe per mode (key or OAuth token
-- sealed with AES-256-GCM), and the webhook endpoints Tollgate receives on.

create table provider_connections (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  provider text not null default 'stripe' check (provider in ('stripe')),
  method text not null check (method in ('api_key', 'oauth')),
  key_kind text not null check (key_kind in ('secret', 'restricted', 'oauth')),
  secret_sealed text not null,
  key_last4 text not null,
  account_id text,
  account_name text,
  status text not null check (status in ('connected', 'error')),
  status_detail text,
  connected_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, provider)
);

-- The {endpoint_id} of POST /webhooks/stripe/{endpoint_id} is `id`: it names
-- the tenant and mode of every event delivered there.
create table stripe_webhook_endpoints (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  mode text not null check (mode in ('test', 'live')),
  source text not null check (source in ('registered', 'manual')),
  stripe_endpoint_id text,
  url text not null,
  secret_sealed text not null,
  enabled_events text[] not null default '{}',
  status text not null default 'active' check (status in ('active', 'disabled')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id)
);
create index stripe_webhook_endpoints_id on stripe_webhook_endpoints (id);
create unique index stripe_webhook_endpoints_active on stripe_webhook_endpoints (tenant_id, mode) where status = 'active';

select tollgate_enable_tenant_rls(t) from unnest(array['provider_connections', 'stripe_webhook_endpoints']::regclass[]) as t;
