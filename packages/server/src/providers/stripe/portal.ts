/**
 * The Stripe Customer Portal: Tollgate keeps one portal configuration per
 * account (found by its metadata, created on first need) with cancel at period
 * end, invoice history and payment method update enabled, and opens sessions
 * with it.
 */
import type Stripe from 'stripe';

const MARKER = 'tollgate_portal';
const VERSION = '1';

/** The id of Tollgate's portal configuration in this account, creating it when missing. */
export async function ensurePortalConfiguration(stripe: Stripe): Promise<string> {
  for await (const config of stripe.billingPortal.configurations.list({ active: true, limit: 100 })) {
    if (config.metadata?.[MARKER] === VERSION) return config.id;
  }
  const created = await stripe.billingPortal.configurations.create({
    features: {
      subscription_cancel: { enabled: true, mode: 'at_period_end', proration_behavior: 'none' },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
    },
    metadata: { [MARKER]: VERSION, managed_by: 'tollgate' },
  });
  return created.id;
}

export async function createPortalSession(stripe: Stripe, input: { stripeCustomerId: string; returnUrl: string; configuration: string }): Promise<{ url: string }> {
  const session = await stripe.billingPortal.sessions.create({ customer: input.stripeCustomerId, return_url: input.returnUrl, configuration: input.configuration });
  return { url: session.url };
}
