// The customer portal: configurations, sessions, and the hosted page driven with form
// posts — canceling at period end or immediately (per configuration), renewing,
// replacing the card, the invoice history, and the way back to return_url.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { monthlyPrice, postForm, useSandbox } from './helpers.ts';

const t = useSandbox();

async function subscribed(stripe: Stripe): Promise<{ customer: Stripe.Customer; sub: Stripe.Subscription }> {
  const customer = await stripe.customers.create({ email: 'portal@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
  const price = await monthlyPrice(stripe, 1900);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: customer.invoice_settings.default_payment_method as string });
  return { customer, sub };
}

describe('portal configurations', () => {
  it('creates, retrieves, updates and lists them (with the default one)', async () => {
    const stripe = t.stripe();
    const config = await stripe.billingPortal.configurations.create({
      features: { subscription_cancel: { enabled: true, mode: 'immediately' }, invoice_history: { enabled: true }, payment_method_update: { enabled: false } },
      business_profile: { headline: 'Acme billing' },
      default_return_url: 'https://app.example/account',
    });
    expect(config).toMatchObject({ object: 'billing_portal.configuration', active: true, is_default: false, default_return_url: 'https://app.example/account', business_profile: { headline: 'Acme billing' }, features: { subscription_cancel: { enabled: true, mode: 'immediately' }, invoice_history: { enabled: true }, payment_method_update: { enabled: false } } });
    const updated = await stripe.billingPortal.configurations.update(config.id, { features: { subscription_cancel: { enabled: true, mode: 'at_period_end' } }, metadata: { v: '2' } });
    expect(updated.features.subscription_cancel.mode).toBe('at_period_end');
    expect(updated.metadata).toEqual({ v: '2' });
    expect((await stripe.billingPortal.configurations.retrieve(config.id)).features.subscription_cancel.mode).toBe('at_period_end');
    const all = await stripe.billingPortal.configurations.list();
    expect(all.data).toHaveLength(2);
    expect(all.data.filter((c) => c.is_default)).toHaveLength(1);
    expect((await stripe.billingPortal.configurations.list({ is_default: false })).data.map((c) => c.id)).toEqual([config.id]);
    await expect(stripe.billingPortal.configurations.create({} as Stripe.BillingPortal.ConfigurationCreateParams)).rejects.toMatchObject({ statusCode: 400, param: 'features' });
  });
});

describe('the portal page', () => {
  it('cancels at period end with the default configuration, then returns to return_url', async () => {
    const stripe = t.stripe();
    const { customer, sub } = await subscribed(stripe);
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://app.example/account' });
    expect(session).toMatchObject({ object: 'billing_portal.session', customer: customer.id, return_url: 'https://app.example/account' });
    expect(session.url).toBe(`${t.sandbox.url}/portal/${session.id}`);
    const html = await (await fetch(session.url)).text();
    expect(html).toContain('portal@example.com');
    expect(html).toContain('Cancel at period end');
    expect(html).toContain('Invoice history');
    expect(html).toContain('visa •••• 4242');
    const res = await postForm(session.url, { action: 'cancel', subscription: sub.id });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://app.example/account');
    const canceling = await stripe.subscriptions.retrieve(sub.id);
    expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true, cancellation_details: { reason: 'cancellation_requested' } });
    expect(await (await fetch(session.url)).text()).toContain('Renew');
    const renew = await postForm(session.url, { action: 'renew', subscription: sub.id });
    expect(renew.status).toBe(303);
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false);
    const updates = (await stripe.events.list({ type: 'customer.subscription.updated' })).data;
    expect(updates.map((e) => (e.data.object as Stripe.Subscription).cancel_at_period_end)).toEqual([false, true]);
  });

  it('cancels immediately when the configuration says so', async () => {
    const stripe = t.stripe();
    const { customer, sub } = await subscribed(stripe);
    const config = await stripe.billingPortal.configurations.create({ features: { subscription_cancel: { enabled: true, mode: 'immediately' }, invoice_history: { enabled: false } } });
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id, return_url: 'https://app.example/back' });
    const html = await (await fetch(session.url)).text();
    expect(html).toContain('Cancel now');
    expect(html).not.toContain('Invoice history');
    expect((await postForm(session.url, { action: 'cancel', subscription: sub.id, reason: 'too_expensive' })).status).toBe(303);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'cancellation_requested', feedback: 'too_expensive' } });
    expect((await stripe.events.list({ type: 'customer.subscription.deleted' })).data).toHaveLength(1);
    expect((await postForm(session.url, { action: 'cancel', subscription: sub.id })).status).toBe(400);
  });

  it('replaces the card on the customer and its subscriptions', async () => {
    const stripe = t.stripe();
    const { customer, sub } = await subscribed(stripe);
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id });
    const res = await postForm(session.url, { action: 'update_payment_method', payment_method: 'pm_card_mastercard' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/portal/${session.id}?notice=card_updated`);
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    const pm = await stripe.paymentMethods.retrieve(after.invoice_settings.default_payment_method as string);
    expect(pm.card?.last4).toBe('4444');
    expect((await stripe.subscriptions.retrieve(sub.id)).default_payment_method).toBe(pm.id);
    expect(await (await fetch(`${session.url}?notice=card_updated`)).text()).toContain('Your payment method was updated.');
    const declined = await postForm(session.url, { action: 'update_payment_method', payment_method: 'pm_card_chargeDeclined' });
    expect(declined.status).toBe(400);
    expect((await postForm(session.url, { action: 'fly' })).status).toBe(400);
  });

  it('refuses a session for an unknown customer or configuration, and an unknown page', async () => {
    const stripe = t.stripe();
    await expect(stripe.billingPortal.sessions.create({ customer: 'cus_nope' })).rejects.toMatchObject({ statusCode: 404, param: 'customer' });
    const customer = await stripe.customers.create({});
    await expect(stripe.billingPortal.sessions.create({ customer: customer.id, configuration: 'bpc_nope' })).rejects.toMatchObject({ statusCode: 404 });
    expect((await fetch(`${t.sandbox.url}/portal/bps_nope`)).status).toBe(404);
  });
});
