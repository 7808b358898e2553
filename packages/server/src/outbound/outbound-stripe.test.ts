/**
 * Outbound webhooks end to end on the Stripe sandbox: a customer pays through
 * Tollgate's Checkout on the hosted page, then a renewal fails; the tenant's
 * endpoint hears checkout.completed, subscription.updated,
 * entitlements.updated and invoice.payment_failed, each signed per Standard
 * Webhooks and naming the customer by the app's own id.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import { signatureHeaders, startReceiver, type Receiver, type Received } from './test-helpers.ts';

const DAY = 24 * 3600;

describe('outbound webhooks through Stripe', () => {
  let env: StripeTestEnv;
  let receiver: Receiver;
  let secret: string;

  beforeAll(async () => {
    env = await createStripeTestEnv();
    await env.connect();
    await env.api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await env.api('POST', '/v1/products', { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }] });
    await env.api('POST', '/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 900, interval: 'month' });
    await env.api('PATCH', '/v1/settings', { allowed_origins: [env.url] });
    await env.t.services.jobs.drain();
    receiver = await startReceiver();
    secret = (await env.api('POST', '/v1/webhook_endpoints', { url: receiver.url })).json().secret;
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });

  async function settle() {
    for (let i = 0; i < 3; i++) {
      await env.sandbox.waitForDeliveries();
      await env.t.services.jobs.drain();
    }
  }

  /** Every verified message of `type`, as the receiver saw it at arrival time. */
  function messages(type: string): Array<{ type: string; data: Record<string, any> }> {
    return receiver.received
      .map((r: Received) => {
        vi.useFakeTimers({ now: Number(r.headers['webhook-timestamp']) * 1000, toFake: ['Date'] });
        try {
          return new Webhook(secret).verify(r.body, signatureHeaders(r)) as { type: string; data: Record<string, any> };
        } finally {
          vi.useRealTimers();
        }
      })
      .filter((m) => m.type === type);
  }

  it('paying through Checkout, then failing a renewal, reaches the tenant’s backend as signed webhooks', async () => {
    await env.api('PUT', '/v1/customers/alice', { email: 'alice@example.test' });
    const checkout = await env.api('POST', '/v1/checkout/sessions', { price: 'pro.monthly', customer: 'alice', success_url: `${env.url}/ok`, cancel_url: `${env.url}/no` });
    expect(checkout.statusCode).toBe(201);
    const paid = await fetch(checkout.json().url, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' });
    expect(paid.status).toBe(303);
    await settle();

    const [completed] = messages('checkout.completed');
    expect(completed!.data).toMatchObject({ mode: 'test', session: checkout.json().id, customers: ['alice'], price: 'pro.monthly', subscription: expect.stringMatching(/^sub_/) });
    const subscription = completed!.data.subscription as string;
    expect(messages('subscription.updated').at(-1)!.data).toMatchObject({
      subscription,
      customers: ['alice'],
      status: 'active',
      cancel_at_period_end: false,
      items: [{ price: 'pro.monthly', product: 'pro', stripe_price_id: expect.stringMatching(/^price_/) }],
    });
    expect(messages('entitlements.updated').at(-1)!.data).toEqual({
      mode: 'test',
      customer: 'alice',
      entitlements: [{ feature: 'export_pdf', value: null, source: 'subscription', valid_until: expect.any(String) }],
    });

    // The renewal fails: the card on file now declines.
    const stripeCustomer = (await env.api('GET', '/v1/customers/alice')).json().stripe_customer_id as string;
    const failing = await env.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: stripeCustomer });
    await env.stripe.subscriptions.update(subscription, { default_payment_method: failing.id });
    await settle();
    const periodEnd = (await env.stripe.subscriptions.retrieve(subscription)).items.data[0]!.current_period_end;
    const target = periodEnd + 60;
    env.sandbox.clock.advanceTo(target);
    env.t.clock.set(target * 1000);
    await settle();

    const [failed] = messages('invoice.payment_failed');
    expect(failed!.data).toMatchObject({ mode: 'test', customers: ['alice'], subscription, attempt_count: 1, amount_due: 900, currency: 'usd', invoice: expect.stringMatching(/^in_/) });
    expect(messages('subscription.updated').at(-1)!.data).toMatchObject({ subscription, status: 'past_due', previous_status: 'active', past_due_since: expect.any(String) });
    // Still entitled during the grace period: no entitlements.updated took access away.
    expect(messages('entitlements.updated').at(-1)!.data.entitlements).toHaveLength(1);

    const log = (await env.api('GET', '/v1/webhook_deliveries?limit=100')).json().data as Array<{ type: string; status: string }>;
    expect(new Set(log.map((d) => d.type))).toEqual(new Set(['checkout.completed', 'subscription.updated', 'entitlements.updated', 'invoice.payment_failed']));
    expect(log.every((d) => d.status === 'succeeded')).toBe(true);
    expect(env.t.clock.now().getTime() / 1000 - periodEnd).toBeLessThan(DAY);
  });
});
