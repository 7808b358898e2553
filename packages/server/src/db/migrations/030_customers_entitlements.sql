-- 030 customers and entitlements: the app's customers (identified by the app's
-- own user id, per mode), grants given by hand, and each customer's
-- materialized entitlements, recomputed in the transaction of every change
-- that affects them.

create table customers (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  mode text not null check (mode in ('test', 'live')),
  external_id text not null,
  email text,
  name text,
  metadata jsonb not null default '{}',
  -- The Stripe customer of this mode, once one exists (created on first need, or linked from Checkout).
  stripe_customer_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, mode, external_id)
);
create index customers_stripe on customers (tenant_id, mode, stripe_customer_id);

create table grants (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  mode text not null check (mode in ('test', 'live')),
  customer_id uuid not null,
  -- Either a whole product's features, or one feature (with a value for limits).
  product_id uuid,
  feature_id uuid,
  value bigint,
  reason text not null,
  granted_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_by text,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customers (tenant_id, id) on delete cascade,
  check ((product_id is null) <> (feature_id is null))
);
create index grants_customer on grants (tenant_id, mode, customer_id) where revoked_at is null;

-- One row per customer and feature they may use now; no row = no access.
create table customer_entitlements (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  customer_id uuid not null,
  feature_key text not null,
  feature_type text not null check (feature_type in ('boolean', 'limit')),
  -- The limit of a limit feature; null = unlimited (and always null for boolean features).
  value bigint,
  source text not null check (source in ('subscription', 'grant')),
  -- Access ends at this time unless a recomputation extends it; null = no end known.
  valid_until timestamptz,
  -- The earliest time one of the sources behind this row ends (its value may change then); the sweeper recomputes.
  recompute_at timestamptz,
  computed_at timestamptz not null,
  primary key (tenant_id, mode, customer_id, feature_key),
  foreign key (tenant_id, customer_id) references customers (tenant_id, id) on delete cascade
);
create index customer_entitlements_recompute on customer_entitlements (recompute_at) where recompute_at is not null;

select tollgate_enable_tenant_rls(t) from unnest(array['customers', 'grants', 'customer_entitlements']::regclass[]) as t;
