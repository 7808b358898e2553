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
  const session = await stripe.checkout.sessions.create(params);
  if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
  return { id: session.id, url: session.url, expiresAt: session.expires_at };
}
