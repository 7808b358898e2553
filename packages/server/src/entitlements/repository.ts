/**
 * Every SQL statement of the entitlement domain: reading the facts a
 * customer's entitlements are computed from (the ledger's subscriptions mapped
 * through the catalog, and grants), the materialized rows, and grants.
 */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';
import type { FeatureValue } from './engine.ts';

export interface SubscriptionFactRow {
  stripe_id: string;
  status: string | null;
  current_period_end: Date | null;
  cancel_at_period_end: boolean;
  trial_end: Date | null;
  past_due_since: Date | null;
  ended_at: Date | null;
  features: FeatureValue[];
}

export interface GrantRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  customer_id: string;
  product_id: string | null;
  feature_id: string | null;
  value: number | null;
  reason: string;
  granted_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface EntitlementRow {
  feature_key: string;
  feature_type: 'boolean' | 'limit';
  value: number | null;
  source: 'subscription' | 'grant';
  valid_until: Date | null;
  recompute_at?: Date | null;
}

const UUID_RE = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export const entitlementRepository = {
  /**
   * The customer's subscriptions (found through the Stripe customer linked to
   * it, or any Stripe customer whose metadata names it), each with the features
   * of the products its prices belong to.
   */
  async subscriptionFacts(tx: Queryable, tenantId: string, mode: Mode, customer: { id: string; stripeCustomerId: string | null }): Promise<SubscriptionFactRow[]> {
    const { rows } = await tx.query<SubscriptionFactRow>(
      `with ids as (
         select $3::text as id where $3::text is not null
         union
         select stripe_id from stripe_customers where tenant_id = $1 and mode = $2 and metadata->>'tollgate_customer_id' = $4::text
       ),
       subs as (
         select * from subscriptions s where s.tenant_id = $1 and s.mode = $2 and s.stripe_customer_id in (select id from ids) and not s.deleted
       ),
       products as (
         select s.stripe_id, sp.product_id from subs s
           join stripe_prices sp on sp.tenant_id = s.tenant_id and sp.mode = s.mode and sp.stripe_price_id = any(s.stripe_price_ids)
         union
         select s.stripe_id, cs.object_id from subs s
           join subscription_items si on si.tenant_id = s.tenant_id and si.mode = s.mode and si.subscription_stripe_id = s.stripe_id and not si.deleted
           join catalog_sync cs on cs.tenant_id = si.tenant_id and cs.mode = si.mode and cs.object_type = 'product' and cs.stripe_id = si.stripe_product_id
       )
       select s.stripe_id, s.status, s.current_period_end, s.cancel_at_period_end, s.trial_end, s.past_due_since, s.ended_at,
              coalesce(json_agg(json_build_object('key', f.key, 'type', f.type, 'value', pf.value)) filter (where f.key is not null), '[]') as features
         from subs s
         left join products p on p.stripe_id = s.stripe_id
         left join product_features pf on pf.tenant_id = s.tenant_id and pf.product_id = p.product_id
         left join features f on f.tenant_id = pf.tenant_id and f.id = pf.feature_id and f.archived_at is null
        group by s.stripe_id, s.status, s.current_period_end, s.cancel_at_period_end, s.trial_end, s.past_due_since, s.ended_at`,
      [tenantId, mode, customer.stripeCustomerId, customer.id],
    );
    return rows;
  },

  /** Active (unrevoked) grants with the features they give. */
  async grantFacts(tx: Queryable, tenantId: string, mode: Mode, customerId: string): Promise<Array<{ id: string; expires_at: Date | null; features: FeatureValue[] }>> {
    const { rows } = await tx.query<{ id: string; expires_at: Date | null; features: FeatureValue[] }>(
      `select g.id, g.expires_at,
              coalesce(json_agg(json_build_object('key', f.key, 'type', f.type,
                'value', case when g.feature_id is not null then g.value else pf.value end)) filter (where f.key is not null), '[]') as features
         from grants g
         left join product_features pf on g.product_id is not null and pf.tenant_id = g.tenant_id and pf.product_id = g.product_id
         left join features f on f.tenant_id = g.tenant_id and f.id = coalesce(g.feature_id, pf.feature_id) and f.archived_at is null
        where g.tenant_id = $1 and g.mode = $2 and g.customer_id = $3 and g.revoked_at is null
        group by g.id, g.expires_at`,
      [tenantId, mode, customerId],
    );
    return rows;
  },

  async current(tx: Queryable, tenantId: string, mode: Mode, customerId: string): Promise<EntitlementRow[]> {
    const { rows } = await tx.query<EntitlementRow>(
      `select feature_key, feature_type, value, source, valid_until, recompute_at from customer_entitlements
        where tenant_id = $1 and mode = $2 and customer_id = $3 order by feature_key`,
      [tenantId, mode, customerId],
    );
    return rows;
  },

  async replace(tx: Queryable, tenantId: string, mode: Mode, customerId: string, rows: EntitlementRow[], at: Date): Promise<void> {
    await tx.query('delete from customer_entitlements where tenant_id = $1 and mode = $2 and customer_id = $3', [tenantId, mode, customerId]);
    if (!rows.length) return;
    await tx.query(
      `insert into customer_entitlements (tenant_id, mode, customer_id, feature_key, feature_type, value, source, valid_until, recompute_at, computed_at)
       select $1, $2, $3, r.feature_key, r.feature_type, r.value, r.source, r.valid_until, r.recompute_at, $4
         from unnest($5::text[], $6::text[], $7::bigint[], $8::text[], $9::timestamptz[], $10::timestamptz[])
           as r(feature_key, feature_type, value, source, valid_until, recompute_at)`,
      [
        tenantId,
        mode,
        customerId,
        at,
        rows.map((r) => r.feature_key),
        rows.map((r) => r.feature_type),
        rows.map((r) => r.value),
        rows.map((r) => r.source),
        rows.map((r) => r.valid_until),
        rows.map((r) => r.recompute_at ?? null),
      ],
    );
  },

  /** The hot path on a cache miss: the customer (if any) and its rows, in one query. */
  async forCheck(tx: Queryable, tenantId: string, mode: Mode, externalId: string): Promise<{ customerId: string | null; rows: EntitlementRow[] }> {
    const { rows } = await tx.query<EntitlementRow & { customer_id: string }>(
      `select c.id as customer_id, ce.feature_key, ce.feature_type, ce.value, ce.source, ce.valid_until
         from customers c
         left join customer_entitlements ce on ce.tenant_id = c.tenant_id and ce.mode = c.mode and ce.customer_id = c.id
        where c.tenant_id = $1 and c.mode = $2 and c.external_id = $3`,
      [tenantId, mode, externalId],
      { prepared: true },
    );
    if (!rows.length) return { customerId: null, rows: [] };
    return { customerId: rows[0]!.customer_id, rows: rows.filter((r) => r.feature_key !== null) };
  },

  /** App customers behind a Stripe customer id (linked directly, or named in its metadata). */
  async customersForStripe(tx: Queryable, tenantId: string, mode: Mode, stripeCustomerId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `select c.id from customers c
        where c.tenant_id = $1 and c.mode = $2
          and (c.stripe_customer_id = $3 or c.id::text in (
            select metadata->>'tollgate_customer_id' from stripe_customers
             where tenant_id = $1 and mode = $2 and stripe_id = $3 and metadata->>'tollgate_customer_id' ~ '${UUID_RE}'))`,
      [tenantId, mode, stripeCustomerId],
    );
    return rows.map((r) => r.id);
  },

  /** Customers whose entitlements may involve `productId` (linked to Stripe, or holding a grant). */
  async customersForProduct(tx: Queryable, tenantId: string, mode: Mode, productId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `select distinct c.id from customers c
         left join grants g on g.tenant_id = c.tenant_id and g.customer_id = c.id and g.revoked_at is null
        where c.tenant_id = $1 and c.mode = $2 and (c.stripe_customer_id is not null or g.product_id = $3
          or exists (select 1 from customer_entitlements ce where ce.tenant_id = c.tenant_id and ce.mode = c.mode and ce.customer_id = c.id))`,
      [tenantId, mode, productId],
    );
    return rows.map((r) => r.id);
  },

  /** Customers of `mode` holding a past_due subscription (their access depends on the grace period). */
  async customersPastDue(tx: Queryable, tenantId: string, mode: Mode): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `select distinct c.id from subscriptions s
         join stripe_customers sc on sc.tenant_id = s.tenant_id and sc.mode = s.mode and sc.stripe_id = s.stripe_customer_id
         join customers c on c.tenant_id = s.tenant_id and c.mode = s.mode
          and (c.stripe_customer_id = s.stripe_customer_id or c.id::text = sc.metadata->>'tollgate_customer_id')
        where s.tenant_id = $1 and s.mode = $2 and s.status = 'past_due' and not s.deleted
       union
       select c.id from subscriptions s join customers c on c.tenant_id = s.tenant_id and c.mode = s.mode and c.stripe_customer_id = s.stripe_customer_id
        where s.tenant_id = $1 and s.mode = $2 and s.status = 'past_due' and not s.deleted`,
      [tenantId, mode],
    );
    return rows.map((r) => r.id);
  },

  /** Customers with an entitlement whose source has run out (system scope: the sweeper). */
  async expired(tx: Queryable, now: Date, limit: number): Promise<Array<{ tenant_id: string; mode: Mode; customer_id: string }>> {
    const { rows } = await tx.query<{ tenant_id: string; mode: Mode; customer_id: string }>(
      'select distinct tenant_id, mode, customer_id from customer_entitlements where recompute_at <= $1 limit $2',
      [now, limit],
    );
    return rows;
  },
};

export const grantRepository = {
  async insert(
    tx: Queryable,
    tenantId: string,
    g: { mode: Mode; customerId: string; productId: string | null; featureId: string | null; value: number | null; reason: string; grantedBy: string; at: Date; expiresAt: Date | null },
  ): Promise<GrantRow> {
    const { rows } = await tx.query<GrantRow>(
      `insert into grants (tenant_id, mode, customer_id, product_id, feature_id, value, reason, granted_by, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning *`,
      [tenantId, g.mode, g.customerId, g.productId, g.featureId, g.value, g.reason, g.grantedBy, g.at, g.expiresAt],
    );
    return rows[0]!;
  },

  async find(tx: Queryable, tenantId: string, mode: Mode, id: string): Promise<GrantRow | undefined> {
    const { rows } = await tx.query<GrantRow>('select * from grants where tenant_id = $1 and mode = $2 and id = $3', [tenantId, mode, id]);
    return rows[0];
  },

  async revoke(tx: Queryable, tenantId: string, id: string, by: string, at: Date): Promise<GrantRow | undefined> {
    const { rows } = await tx.query<GrantRow>(
      'update grants set revoked_at = $4, revoked_by = $3 where tenant_id = $1 and id = $2 and revoked_at is null returning *',
      [tenantId, id, by, at],
    );
    return rows[0];
  },

  async list(tx: Queryable, tenantId: string, mode: Mode, filter: { customerId?: string; includeRevoked: boolean }): Promise<Array<GrantRow & { product_key: string | null; feature_key: string | null; external_id: string }>> {
    const { rows } = await tx.query<GrantRow & { product_key: string | null; feature_key: string | null; external_id: string }>(
      `select g.*, p.key as product_key, f.key as feature_key, c.external_id
         from grants g
         join customers c on c.tenant_id = g.tenant_id and c.id = g.customer_id
         left join products p on p.tenant_id = g.tenant_id and p.id = g.product_id
         left join features f on f.tenant_id = g.tenant_id and f.id = g.feature_id
        where g.tenant_id = $1 and g.mode = $2 and ($3::uuid is null or g.customer_id = $3) and ($4 or g.revoked_at is null)
        order by g.created_at desc`,
      [tenantId, mode, filter.customerId ?? null, filter.includeRevoked],
    );
    return rows;
  },
};
