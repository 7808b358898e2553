/**
 * Creating a Stripe Checkout Session for one catalog price: subscription mode
 * for recurring prices, payment mode for one-time ones, with Tollgate's ids in
 * the session's client_reference_id and metadata (copied to the subscription)
 * so the completed session links back to the app customer. No database work
 * here; callers never hold a transaction open around this call.
 */
import type Stripe from 'stripe';

export interface CheckoutSessionInput {
  stripePriceId: string;
  recurring: boolean;
  quantity: number;
  /** The customer's Stripe customer; when null, Checkout creates one from customerEmail. */
  stripeCustomerId: string | null;
  customerEmail: string | null;
  trialDays: number | null;
  successUrl: string;
  cancelUrl: string;
  metadata: Record<string, string>;
  clientReferenceId: string | null;
  /**
   * Makes concurrent copies of one request (a double click sent to two
   * instances) create one session. Stripe replays the first answer for 24 h,
   * so a replayed session is checked, and replaced when it can no longer be paid.
   */
  idempotencyKey?: string;
}

export interface CreatedCheckoutSession {
  id: string;
  url: string;
  /** Unix seconds. */
  expiresAt: number;
}

export async function createCheckoutSession(stripe: Stripe, input: CheckoutSessionInput): Promise<CreatedCheckoutSession> {
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: input.recurring ? 'subscription' : 'payment',
    line_items: [{ price: input.stripePriceId, quantity: input.quantity }],
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
    metadata: input.metadata,
  };
  if (input.stripeCustomerId) params.customer = input.stripeCustomerId;
  else if (input.customerEmail) params.customer_email = input.customerEmail;
  if (input.clientReferenceId) params.client_reference_id = input.clientReferenceId;
  if (input.recurring) params.subscription_data = { metadata: input.metadata, ...(input.trialDays ? { trial_period_days: input.trialDays } : {}) };
  else {
    params.payment_intent_data = { metadata: input.metadata };
    if (!input.stripeCustomerId) params.customer_creation = 'always';
  }
  const session = await stripe.checkout.sessions.create(params, input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : undefined);
  if (session.lastResponse?.headers?.['idempotent-replayed'] === 'true') {
    const now = await stripe.checkout.sessions.retrieve(session.id);
    if (now.status !== 'open') return createCheckoutSession(stripe, { ...input, idempotencyKey: undefined });
  }
  if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
  return { id: session.id, url: session.url, expiresAt: session.expires_at };
}

export interface OpenCheckouts {
  /** An open session made by the very same request (a double click, a retry): hand it out again. */
  reusable: CreatedCheckoutSession | null;
  /** A session for the product that was paid while we looked (the customer has just subscribed). */
  completed: string | null;
}

/**
 * Leaves the customer at most one payable subscription Checkout for
 * `productKey` among those Tollgate started, so that a second tab or a second
 * click cannot end in two subscriptions to one product. An open session from
 * the same request (same `fingerprint` in its metadata) with at least
 * `minRemainingSeconds` left is kept and returned; every other one is expired.
 */
export async function settleOpenCheckouts(
  stripe: Stripe,
  input: { stripeCustomerId: string; productKey: string; fingerprint: string; nowSeconds: number; minRemainingSeconds: number },
): Promise<OpenCheckouts> {
  const out: OpenCheckouts = { reusable: null, completed: null };
  for await (const session of stripe.checkout.sessions.list({ customer: input.stripeCustomerId, status: 'open', limit: 100 })) {
    if (session.mode !== 'subscription' || session.metadata?.tollgate_product_key !== input.productKey) continue;
    const same = session.metadata?.tollgate_fingerprint === input.fingerprint && session.url && session.expires_at - input.nowSeconds >= input.minRemainingSeconds;
    if (same && !out.reusable) {
      out.reusable = { id: session.id, url: session.url!, expiresAt: session.expires_at };
      continue;
    }
    try {
      await stripe.checkout.sessions.expire(session.id);
    } catch (err) {
      // Paid or expired between the list and now: only a payment matters.
      const now = await stripe.checkout.sessions.retrieve(session.id);
      if (now.status === 'complete') out.completed = session.id;
      else if (now.status !== 'expired') throw err;
    }
  }
  return out;
}

/**
 * The customer's subscription in one of `statuses` to any of `stripePriceIds`,
 * read from Stripe itself: it knows of a Checkout paid a moment ago whose
 * webhooks Tollgate has not processed yet.
 */
export async function findSubscriptionTo(
  stripe: Stripe,
  stripeCustomerId: string,
  stripePriceIds: ReadonlySet<string>,
  statuses: readonly string[],
): Promise<{ id: string; status: string } | null> {
  for await (const sub of stripe.subscriptions.list({ customer: stripeCustomerId, limit: 100 })) {
    if (statuses.includes(sub.status) && sub.items.data.some((item) => stripePriceIds.has(item.price.id))) return { id: sub.id, status: sub.status };
  }
  return null;
}
