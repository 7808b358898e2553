/**
 * Account-level Stripe calls made when a tenant connects: verifying a key and
 * registering (or reusing) Tollgate's webhook endpoint in their account.
 */
import type Stripe from 'stripe';
import { TOLLGATE_STRIPE_EVENTS } from './events.ts';

export interface VerifiedAccount {
  accountId: string | null;
  accountName: string | null;
}

/** Proves the key works. Restricted keys may not read the account; any read then proves it. */
export async function verifyStripeKey(stripe: Stripe): Promise<VerifiedAccount> {
  try {
    const account = await stripe.accounts.retrieveCurrent();
    return {
      accountId: account.id,
      accountName: account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? account.email ?? null,
    };
  } catch (err) {
    if ((err as { type?: string }).type !== 'StripePermissionError') throw err;
    await stripe.products.list({ limit: 1 });
    return { accountId: null, accountName: null };
  }
}

export interface EnsuredEndpoint {
  stripeEndpointId: string;
  /** Present when Stripe created a new endpoint (it shows the secret only then). */
  secret?: string;
  reused: boolean;
}

/**
 * Makes sure Stripe delivers Tollgate's events to `url`: an existing endpoint at
 * that URL is reused (its event list brought up to date) when we still hold its
 * secret; otherwise one is created.
 */
export async function ensureWebhookEndpoint(stripe: Stripe, url: string, options: { haveSecret: boolean }): Promise<EnsuredEndpoint> {
  const wanted = [...TOLLGATE_STRIPE_EVENTS].sort();
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    if (endpoint.url !== url) continue;
    if (!options.haveSecret) {
      // We cannot verify its deliveries without the secret: replace it.
      await stripe.webhookEndpoints.del(endpoint.id);
      continue;
    }
    const current = [...endpoint.enabled_events].sort();
    if (current.join() !== wanted.join() || endpoint.status !== 'enabled') {
      await stripe.webhookEndpoints.update(endpoint.id, {
        enabled_events: wanted as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
        disabled: false,
      });
    }
    return { stripeEndpointId: endpoint.id, reused: true };
  }
  // The SDK adds an idempotency key to its own retries of this POST.
  const created = await stripe.webhookEndpoints.create({
    url,
    enabled_events: wanted as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
    description: 'Tollgate: billing state and entitlements',
    metadata: { managed_by: 'tollgate' },
  });
  if (!created.secret) throw new Error('Stripe did not return a signing secret for the new webhook endpoint');
  return { stripeEndpointId: created.id, secret: created.secret, reused: false };
}

export async function deleteWebhookEndpoint(stripe: Stripe, stripeEndpointId: string): Promise<void> {
  try {
    await stripe.webhookEndpoints.del(stripeEndpointId);
  } catch (err) {
    if ((err as { code?: string }).code !== 'resource_missing') throw err;
  }
}
