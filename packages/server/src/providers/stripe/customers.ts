/** Creating the Stripe customer behind an app customer (on first need, per mode). */
import type Stripe from 'stripe';

export async function createStripeCustomer(
  stripe: Stripe,
  c: { tollgateId: string; externalId: string; email: string | null; name: string | null },
): Promise<string> {
  const customer = await stripe.customers.create(
    {
      ...(c.email ? { email: c.email } : {}),
      ...(c.name ? { name: c.name } : {}),
      metadata: { tollgate_customer_id: c.tollgateId, tollgate_external_id: c.externalId },
    },
    // One Stripe customer per app customer and mode, however often this is retried.
    { idempotencyKey: `tollgate:customer:${c.tollgateId}` },
  );
  return customer.id;
}
