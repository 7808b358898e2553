-- 010 catalog: features, products and prices owned by Tollgate (one catalog
-- per tenant, shared by both modes), and their mapping to Stripe objects per
-- mode with sync state.

create table features (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  key text not null,
  name text not null,
  description text not null default '',
  type text not null check (type in ('boolean', 'limit')),
  archived_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, key)
);

create table products (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  key text not null,
  name text not null,
  description text not null default '',
  active boolean not null default true,
  metadata jsonb not null default '{}',
  -- Bumped on every change; sync compares it with what Stripe last received.
  version int not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, key)
);

-- The features a product grants. `value` is the limit of a `limit` feature
-- (null = unlimited) and is ignored for `boolean` features.
create table product_features (
  tenant_id uuid not null,
  product_id uuid not null,
  feature_id uuid not null,
  value bigint,
  primary key (tenant_id, product_id, feature_id),
  foreign key (tenant_id, product_id) references products (tenant_id, id) on delete cascade,
  foreign key (tenant_id, feature_id) references features (tenant_id, id) on delete cascade
);

create table prices (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  key text not null,
  product_id uuid not null,
  currency text not null,
  unit_amount bigint not null check (unit_amount >= 0),
  -- null interval = one-time price
  interval text check (interval in ('day', 'week', 'month', 'year')),
  interval_count int not null default 1 check (interval_count between 1 and 365),
  trial_days int check (trial_days between 1 and 730),
  active boolean not null default true,
  nickname text not null default '',
  version int not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, key),
  foreign key (tenant_id, product_id) references products (tenant_id, id)
);

-- Sync state of one catalog object in one mode's Stripe account.
create table catalog_sync (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  object_type text not null check (object_type in ('product', 'price')),
  object_id uuid not null,
  stripe_id text,
  status text not null check (status in ('pending', 'synced', 'error', 'drifted')),
  synced_version int,
  attempts int not null default 0,
  last_error text,
  next_retry_at timestamptz,
  drift jsonb,
  synced_at timestamptz,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, object_type, object_id)
);

-- Every Stripe price that ever stood for a Tollgate price (a changed amount makes
-- a new Stripe price; subscribers of the old one keep their entitlements).
create table stripe_prices (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_price_id text not null,
  price_id uuid not null,
  product_id uuid not null,
  current boolean not null default true,
  created_at timestamptz not null,
  primary key (tenant_id, mode, stripe_price_id)
);
create index stripe_prices_price on stripe_prices (tenant_id, mode, price_id);

-- Products and prices found in Stripe that Tollgate does not own.
create table catalog_unmanaged (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  object_type text not null check (object_type in ('product', 'price')),
  status text not null default 'unmanaged' check (status in ('unmanaged', 'ignored', 'adopted')),
  data jsonb not null,
  first_seen_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);

select tollgate_enable_tenant_rls(t) from unnest(array['features', 'products', 'product_features', 'prices', 'catalog_sync', 'stripe_prices', 'catalog_unmanaged']::regclass[]) as t;
