-- 021 billing ledger: Tollgate's projection of each tenant's Stripe objects
-- (per mode), written only by webhook processing.
--
-- Every row keeps the Stripe id, tenant, mode and the raw object as last read
-- from Stripe. `read_seq` is the ledger_read_seq number taken before that read:
-- a row is only overwritten by a read that started later, so duplicates,
-- reordering and two workers at once cannot leave older state on top.
-- Deletions are tombstones (`deleted`), never removed rows. Rows reference each
-- other by Stripe id without foreign keys: a subscription may arrive before
-- its customer, an invoice before its subscription, and they join once both
-- are here.

create table stripe_customers (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  email text,
  name text,
  metadata jsonb not null default '{}',
  default_payment_method text,
  created timestamptz,
  deleted boolean not null default false,
  deleted_at timestamptz,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index stripe_customers_email on stripe_customers (tenant_id, mode, lower(email));

create table subscriptions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_customer_id text,
  status text,
  -- Price ids of the live items (denormalised from subscription_items for snapshots).
  stripe_price_ids text[] not null default '{}',
  cancel_at_period_end boolean not null default false,
  cancel_at timestamptz,
  -- The current period, from the items (Stripe keeps periods on items).
  current_period_start timestamptz,
  current_period_end timestamptz,
  trial_start timestamptz,
  trial_end timestamptz,
  canceled_at timestamptz,
  ended_at timestamptz,
  start_date timestamptz,
  created timestamptz,
  -- When the first payment of the current delinquency failed; null in good standing.
  past_due_since timestamptz,
  latest_invoice_id text,
  default_payment_method text,
  metadata jsonb not null default '{}',
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index subscriptions_customer on subscriptions (tenant_id, mode, stripe_customer_id);
create index subscriptions_status on subscriptions (tenant_id, mode, status);

create table subscription_items (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  subscription_stripe_id text not null,
  stripe_price_id text,
  stripe_product_id text,
  quantity int,
  current_period_start timestamptz,
  current_period_end timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index subscription_items_subscription on subscription_items (tenant_id, mode, subscription_stripe_id);

create table invoices (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_customer_id text,
  stripe_subscription_id text,
  status text,
  billing_reason text,
  number text,
  currency text,
  amount_due bigint,
  amount_paid bigint,
  amount_remaining bigint,
  total bigint,
  period_start timestamptz,
  period_end timestamptz,
  hosted_invoice_url text,
  attempt_count int,
  next_payment_attempt timestamptz,
  finalized_at timestamptz,
  paid_at timestamptz,
  stripe_payment_intent_ids text[] not null default '{}',
  created timestamptz,
  -- The highest attempt_count an invoice.payment_failed domain event was emitted for.
  payment_failed_notified_attempt int not null default 0,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index invoices_subscription on invoices (tenant_id, mode, stripe_subscription_id);
create index invoices_customer on invoices (tenant_id, mode, stripe_customer_id);

create table payment_intents (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_customer_id text,
  status text,
  amount bigint,
  amount_received bigint,
  currency text,
  latest_charge_id text,
  payment_method_id text,
  last_payment_error_code text,
  canceled_at timestamptz,
  created timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index payment_intents_customer on payment_intents (tenant_id, mode, stripe_customer_id);

create table charges (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_customer_id text,
  stripe_payment_intent_id text,
  status text,
  amount bigint,
  amount_captured bigint,
  amount_refunded bigint,
  currency text,
  paid boolean,
  refunded boolean,
  disputed boolean,
  failure_code text,
  failure_message text,
  payment_method_id text,
  card_brand text,
  card_last4 text,
  created timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index charges_customer on charges (tenant_id, mode, stripe_customer_id);
create index charges_payment_intent on charges (tenant_id, mode, stripe_payment_intent_id);

create table refunds (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_charge_id text,
  stripe_payment_intent_id text,
  amount bigint,
  currency text,
  status text,
  reason text,
  failure_reason text,
  created timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index refunds_charge on refunds (tenant_id, mode, stripe_charge_id);

-- Card details are limited to brand, last 4 and expiry; `raw` holds only those
-- (no billing details, no fingerprint).
create table payment_methods (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_customer_id text,
  type text,
  brand text,
  last4 text,
  exp_month int,
  exp_year int,
  created timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index payment_methods_customer on payment_methods (tenant_id, mode, stripe_customer_id);

create table checkout_sessions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  -- Stripe's session mode: payment, setup or subscription.
  session_mode text,
  status text,
  payment_status text,
  stripe_customer_id text,
  stripe_subscription_id text,
  stripe_payment_intent_id text,
  stripe_invoice_id text,
  client_reference_id text,
  customer_email text,
  metadata jsonb not null default '{}',
  amount_total bigint,
  currency text,
  expires_at timestamptz,
  created timestamptz,
  -- Stripe event types a checkout.completed domain event was already emitted for.
  notified text[] not null default '{}',
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index checkout_sessions_customer on checkout_sessions (tenant_id, mode, stripe_customer_id);
create index checkout_sessions_reference on checkout_sessions (tenant_id, mode, client_reference_id);

create table disputes (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_charge_id text,
  stripe_payment_intent_id text,
  amount bigint,
  currency text,
  reason text,
  status text,
  evidence_due_by timestamptz,
  created timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index disputes_status on disputes (tenant_id, mode, status);

create table early_fraud_warnings (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null,
  stripe_charge_id text,
  stripe_payment_intent_id text,
  fraud_type text,
  actionable boolean,
  created timestamptz,
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);
create index early_fraud_warnings_charge on early_fraud_warnings (tenant_id, mode, stripe_charge_id);

-- Stripe Entitlements: the active entitlements of a customer as Stripe reports them.
create table stripe_entitlement_summaries (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  stripe_id text not null, -- the customer id
  lookup_keys text[] not null default '{}',
  deleted boolean not null default false,
  raw jsonb not null default '{}',
  read_seq bigint not null,
  updated_at timestamptz not null,
  primary key (tenant_id, mode, stripe_id)
);

select tollgate_enable_tenant_rls(t) from unnest(array['stripe_customers', 'subscriptions', 'subscription_items', 'invoices', 'payment_intents', 'charges', 'refunds',
                           'payment_methods', 'checkout_sessions', 'disputes', 'early_fraud_warnings', 'stripe_entitlement_summaries']::regclass[]) as t;
