/** Every SQL statement of checkout: the price to sell in a mode, and what the customer already holds. */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface SellablePrice {
  id: string;
  key: string;
  product_id: string;
  product_key: string;
  product_active: boolean;
  active: boolean;
  interval: string | null;
  trial_days: number | null;
  /** The current Stripe price of this mode; null until the catalog sync pushed it. */
  stripe_price_id: string | null;
}

export interface HeldSubscription {
  stripe_id: string;
  status: string;
}

/** Subscription statuses that mean the customer already has the product. */
export const HOLDING_STATUSES = ['active', 'trialing', 'past_due'] as const;

export const checkoutRepository = {
  async sellablePrice(tx: Queryable, tenantId: string, mode: Mode, key: string): Promise<SellablePrice | undefined> {
    const { rows } = await tx.query<SellablePrice>(
      `select p.id, p.key, p.product_id, pr.key as product_key, pr.active as product_active, p.active, p.interval, p.trial_days,
              (select sp.stripe_price_id from stripe_prices sp
                where sp.tenant_id = p.tenant_id and sp.mode = $2 and sp.price_id = p.id and sp.current
                order by sp.created_at desc limit 1) as stripe_price_id
         from prices p join products pr on pr.tenant_id = p.tenant_id and pr.id = p.product_id
        where p.tenant_id = $1 and p.key = $3`,
      [tenantId, mode, key],
    );
    return rows[0];
  },

  /** Every Stripe price (current or replaced) of the product in this mode. */
  async productStripePrices(tx: Queryable, tenantId: string, mode: Mode, productId: string): Promise<string[]> {
    const { rows } = await tx.query<{ stripe_price_id: string }>(
      'select stripe_price_id from stripe_prices where tenant_id = $1 and mode = $2 and product_id = $3',
      [tenantId, mode, productId],
    );
    return rows.map((r) => r.stripe_price_id);
  },

  /** A live subscription of this Stripe customer to any price of the product, from the webhook ledger. */
  async heldSubscription(tx: Queryable, tenantId: string, mode: Mode, stripeCustomerId: string, productId: string): Promise<HeldSubscription | undefined> {
    const { rows } = await tx.query<HeldSubscription>(
      `select s.stripe_id, s.status
         from subscriptions s
         join subscription_items si on si.tenant_id = s.tenant_id and si.mode = s.mode and si.subscription_stripe_id = s.stripe_id and not si.deleted
         join stripe_prices sp on sp.tenant_id = si.tenant_id and sp.mode = si.mode and sp.stripe_price_id = si.stripe_price_id
        where s.tenant_id = $1 and s.mode = $2 and s.stripe_customer_id = $3 and sp.product_id = $4
          and not s.deleted and s.status = any($5::text[])
        order by s.created desc nulls last
        limit 1`,
      [tenantId, mode, stripeCustomerId, productId, HOLDING_STATUSES],
    );
    return rows[0];
  },
};
