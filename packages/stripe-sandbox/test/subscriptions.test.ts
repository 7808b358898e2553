// Subscriptions and invoices through the API: create (paid, incomplete, trial),
// update (cancel at period end, price change, metadata), cancel, list filters,
// invoice pay / void / mark_uncollectible, expansions.
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { DAY, eventTypes, monthlyPrice, useSandbox } from './helpers.ts';

const t = useSandbox();

async function customerWith(stripe: Stripe, card = 'pm_card_visa'): Promise<Stripe.Customer> {
  return stripe.customers.create({ email: `${card}@example.com`, payment_method: card, invoice_settings: { default_payment_method: card } });
}

describe('creating subscriptions', () => {
  it('charges the first invoice and starts active, announcing it once', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe);
    const price = await monthlyPrice(stripe, 1500);
    const since = (await stripe.events.list({ limit: 1 })).data[0]?.created ?? 0;
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 3 }], metadata: { tenant: 't1' }, expand: ['latest_invoice.payments.data.payment.payment_intent', 'customer'] });
    expect(sub).toMatchObject({ object: 'subscription', status: 'active', metadata: { tenant: 't1' }, collection_method: 'charge_automatically', cancel_at_period_end: false, currency: 'usd' });
    expect((sub.customer as Stripe.Customer).id).toBe(customer.id);
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    expect(item).toMatchObject({ object: 'subscription_item', quantity: 3, subscription: sub.id, price: { id: price.id }, plan: { id: price.id, amount: 1500, interval: 'month' } });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'paid', total: 4500, amount_paid: 4500, billing_reason: 'subscription_create' });
    expect(invoice.lines.data[0]).toMatchObject({ amount: 4500, quantity: 3, period: { start: item.current_period_start, end: item.current_period_end }, parent: { type: 'subscription_item_details', subscription_item_details: { subscription: sub.id, subscription_item: item.id } } });
    const pi = invoice.payments?.data[0]?.payment.payment_intent as Stripe.PaymentIntent;
    expect(pi.status).toBe('succeeded');
    const types = await eventTypes(stripe, { created: { gte: since } });
    expect(types.slice(types.indexOf('customer.subscription.created'))).toEqual([
      'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'invoice.paid', 'invoice.payment_succeeded',
    ]);
    const createdEvent = (await stripe.events.list({ type: 'customer.subscription.created' })).data[0] as Stripe.Event;
    expect((createdEvent.data.object as Stripe.Subscription).status).toBe('active');
    expect(createdEvent.request?.id).toBe(sub.lastResponse.requestId);
  });

  it('leaves a declined first payment incomplete, and paying the invoice activates it', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe, 'pm_card_chargeCustomerFail');
    const price = await monthlyPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
    expect(sub.status).toBe('incomplete');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, attempted: true, next_payment_attempt: null });
    const declined = (await stripe.invoices.pay(invoice.id).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
    expect((await stripe.invoices.retrieve(invoice.id)).attempt_count).toBe(2);
    const paid = await stripe.invoices.pay(invoice.id, { payment_method: 'pm_card_visa' });
    expect(paid).toMatchObject({ status: 'paid', amount_remaining: 0 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    await expect(stripe.invoices.pay(invoice.id)).rejects.toMatchObject({ statusCode: 400 });
    const charges = await stripe.charges.list({ customer: customer.id });
    expect(charges.data.map((c) => c.status)).toEqual(['succeeded', 'failed', 'failed']);
  });

  it('refuses error_if_incomplete with a failing card and a customer without payment method', async () => {
    const stripe = t.stripe();
    const price = await monthlyPrice(stripe);
    const failing = await customerWith(stripe, 'pm_card_chargeCustomerFail');
    await expect(stripe.subscriptions.create({ customer: failing.id, items: [{ price: price.id }], payment_behavior: 'error_if_incomplete' })).rejects.toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect((await stripe.subscriptions.list({ customer: failing.id, status: 'all' })).data).toHaveLength(0);
    const bare = await stripe.customers.create({});
    await expect(stripe.subscriptions.create({ customer: bare.id, items: [{ price: price.id }] })).rejects.toMatchObject({ statusCode: 400 });
    const waiting = await stripe.subscriptions.create({ customer: bare.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete', expand: ['latest_invoice.payments'] });
    expect(waiting.status).toBe('incomplete');
    await expect(stripe.subscriptions.create({ customer: bare.id, items: [{ price: price.id }], default_payment_method: 'pm_card_visa' })).rejects.toMatchObject({ statusCode: 400, param: 'default_payment_method' });
    await expect(stripe.subscriptions.create({ customer: 'cus_nope', items: [{ price: price.id }] })).rejects.toMatchObject({ statusCode: 404, param: 'customer' });
    await expect(stripe.subscriptions.create({ customer: bare.id, items: [{ price: 'price_nope' }] })).rejects.toMatchObject({ statusCode: 404, param: 'items[0][price]' });
  });

  it('starts a trial with a zero invoice', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 7, expand: ['latest_invoice'] });
    expect(sub).toMatchObject({ status: 'trialing', trial_start: sub.start_date, trial_end: sub.start_date + 7 * DAY });
    expect(sub.latest_invoice).toMatchObject({ status: 'paid', total: 0 });
  });
});

describe('updating and canceling', () => {
  it('cancels at period end and takes it back', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe);
    const price = await monthlyPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const end = sub.items.data[0]?.current_period_end;
    const canceling = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true, cancellation_details: { comment: 'too pricey', feedback: 'too_expensive' } });
    expect(canceling).toMatchObject({ cancel_at_period_end: true, cancel_at: end, status: 'active', cancellation_details: { reason: 'cancellation_requested', comment: 'too pricey', feedback: 'too_expensive' } });
    expect(canceling.canceled_at).toEqual(expect.any(Number));
    const event = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 })).data[0] as Stripe.Event;
    expect(event.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    const kept = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(kept).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
  });

  it('changes the price of an item in place, and resets the cycle when the interval changes', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe);
    const basic = await monthlyPrice(stripe, 1000);
    const pro = await stripe.prices.create({ product: basic.product as string, unit_amount: 3000, currency: 'usd', recurring: { interval: 'month' } });
    const yearly = await stripe.prices.create({ product: basic.product as string, unit_amount: 30000, currency: 'usd', recurring: { interval: 'year' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const upgraded = await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: pro.id }], proration_behavior: 'none', metadata: { plan: 'pro' } });
    expect(upgraded.items.data).toHaveLength(1);
    expect(upgraded.items.data[0]).toMatchObject({ id: item.id, price: { id: pro.id }, current_period_end: item.current_period_end });
    expect(upgraded.metadata).toEqual({ plan: 'pro' });
    expect((await stripe.subscriptions.list({ price: pro.id })).data.map((s) => s.id)).toEqual([sub.id]);
    expect((await stripe.subscriptions.list({ price: basic.id })).data).toHaveLength(0);
    const annual = await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: yearly.id }], expand: ['latest_invoice'] });
    expect(annual.items.data[0]?.current_period_end).toBeGreaterThan(item.current_period_end + 300 * DAY);
    expect(annual.latest_invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid', total: 30000 });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: 'si_nope', price: pro.id }] })).rejects.toMatchObject({ statusCode: 400 });
    const eur = await stripe.prices.create({ product: basic.product as string, unit_amount: 1, currency: 'eur', recurring: { interval: 'year' } });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ price: eur.id }] })).rejects.toMatchObject({ statusCode: 400 });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data).toHaveLength(1);
  });

  it('keeps an archived price on an existing subscription but refuses it for new items', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe);
    const price = await monthlyPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await stripe.prices.update(price.id, { active: false });
    expect((await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })).cancel_at_period_end).toBe(true);
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })).rejects.toMatchObject({ statusCode: 400, param: 'items[0][price]' });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ price: price.id }] })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('cancels now, refuses a second cancel, and lists by status', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe);
    const price = await monthlyPrice(stripe);
    const a = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const b = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 3 });
    const canceled = await stripe.subscriptions.cancel(a.id, { cancellation_details: { comment: 'bye' } });
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: expect.any(Number), cancellation_details: { reason: 'cancellation_requested', comment: 'bye' } });
    await expect(stripe.subscriptions.cancel(a.id)).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.subscriptions.update(a.id, { cancel_at_period_end: true })).rejects.toMatchObject({ statusCode: 400 });
    expect((await stripe.subscriptions.update(a.id, { metadata: { note: 'ok' } })).metadata).toEqual({ note: 'ok' });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([b.id]);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.map((s) => s.id)).toEqual([b.id, a.id]);
    expect((await stripe.subscriptions.list({ status: 'canceled' })).data.map((s) => s.id)).toEqual([a.id]);
    expect((await stripe.subscriptions.list({ status: 'trialing' })).data.map((s) => s.id)).toEqual([b.id]);
    expect((await stripe.events.list({ type: 'customer.subscription.deleted' })).data).toHaveLength(1);
  });
});

describe('invoices', () => {
  it('lists by customer and subscription, voids and marks uncollectible', async () => {
    const stripe = t.stripe();
    const good = await customerWith(stripe);
    const bad = await customerWith(stripe, 'pm_card_chargeCustomerFail');
    const price = await monthlyPrice(stripe);
    const paid = await stripe.subscriptions.create({ customer: good.id, items: [{ price: price.id }] });
    const open1 = await stripe.subscriptions.create({ customer: bad.id, items: [{ price: price.id }] });
    const open2 = await stripe.subscriptions.create({ customer: bad.id, items: [{ price: price.id }] });
    expect((await stripe.invoices.list({ customer: good.id })).data.map((i) => i.id)).toEqual([paid.latest_invoice]);
    expect((await stripe.invoices.list({ subscription: open1.id })).data.map((i) => i.id)).toEqual([open1.latest_invoice]);
    expect((await stripe.invoices.list({ status: 'open' })).data).toHaveLength(2);
    const voided = await stripe.invoices.voidInvoice(open1.latest_invoice as string);
    expect(voided).toMatchObject({ status: 'void', status_transitions: { voided_at: expect.any(Number) } });
    await expect(stripe.invoices.voidInvoice(paid.latest_invoice as string)).rejects.toMatchObject({ statusCode: 400 });
    const uncollectible = await stripe.invoices.markUncollectible(open2.latest_invoice as string);
    expect(uncollectible.status).toBe('uncollectible');
    expect((await stripe.invoices.list({ status: 'paid' })).data).toHaveLength(1);
    const withSub = await stripe.invoices.retrieve(paid.latest_invoice as string, { expand: ['parent.subscription_details.subscription', 'customer'] });
    expect((withSub.parent?.subscription_details?.subscription as Stripe.Subscription).id).toBe(paid.id);
    expect((withSub.customer as Stripe.Customer).email).toBe(good.email);
    const noted = await stripe.invoices.update(paid.latest_invoice as string, { metadata: { order: 'o_7' }, description: 'Thanks' });
    expect(noted).toMatchObject({ metadata: { order: 'o_7' }, description: 'Thanks' });
    await expect(stripe.invoices.retrieve('in_nope')).rejects.toMatchObject({ statusCode: 404 });
    const lines = await stripe.invoices.listLineItems(paid.latest_invoice as string);
    expect(lines.data[0]?.pricing?.price_details?.price).toBe(price.id);
    expect(await eventTypes(stripe, { type: 'invoice.voided' })).toHaveLength(1);
    expect(await eventTypes(stripe, { type: 'invoice.marked_uncollectible' })).toHaveLength(1);
    expect(await eventTypes(stripe, { type: 'payment_intent.*' })).toContain('payment_intent.canceled');
  });
});

describe('subscription items and entitlements', () => {
  it('lists and retrieves subscription items', async () => {
    const stripe = t.stripe();
    const customer = await customerWith(stripe);
    const a = await monthlyPrice(stripe, 100);
    const b = await stripe.prices.create({ product: a.product as string, unit_amount: 200, currency: 'usd', recurring: { interval: 'month' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: a.id }, { price: b.id, quantity: 2 }] });
    const items = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(items.data.map((i) => [i.price.id, i.quantity])).toEqual([[a.id, 1], [b.id, 2]]);
    expect((await stripe.subscriptionItems.retrieve(items.data[1]?.id as string)).price.id).toBe(b.id);
    await expect(stripe.subscriptionItems.retrieve('si_nope')).rejects.toMatchObject({ statusCode: 404 });
    expect((await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] }).then((s) => s.latest_invoice as Stripe.Invoice)).total).toBe(500);
  });

  it('grants the features of subscribed products and announces changes', async () => {
    const stripe = t.stripe();
    const seats = await stripe.entitlements.features.create({ name: 'Seats', lookup_key: 'seats' });
    const sso = await stripe.entitlements.features.create({ name: 'SSO', lookup_key: 'sso' });
    await expect(stripe.entitlements.features.create({ name: 'Again', lookup_key: 'seats' })).rejects.toMatchObject({ statusCode: 400 });
    const price = await monthlyPrice(stripe);
    await stripe.products.createFeature(price.product as string, { entitlement_feature: seats.id });
    const ssoLink = await stripe.products.createFeature(price.product as string, { entitlement_feature: sso.id });
    expect((await stripe.products.listFeatures(price.product as string)).data).toHaveLength(2);
    const customer = await customerWith(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const active = await stripe.entitlements.activeEntitlements.list({ customer: customer.id });
    expect(active.data.map((e) => e.lookup_key)).toEqual(['seats', 'sso']);
    const announced = (await stripe.events.list({ type: 'entitlements.active_entitlement_summary.updated' })).data;
    expect(announced).toHaveLength(1);
    expect(announced[0]?.data.object).toMatchObject({ object: 'entitlements.active_entitlement_summary', customer: customer.id });
    await stripe.products.deleteFeature(price.product as string, ssoLink.id);
    await stripe.subscriptions.cancel(sub.id);
    expect((await stripe.entitlements.activeEntitlements.list({ customer: customer.id })).data).toEqual([]);
    const after = (await stripe.events.list({ type: 'entitlements.active_entitlement_summary.updated' })).data;
    expect(after).toHaveLength(2);
    expect((after[0]?.data.object as Stripe.Entitlements.ActiveEntitlementSummary).entitlements.data).toEqual([]);
    const noFeatures = await customerWith(stripe);
    await stripe.subscriptions.create({ customer: noFeatures.id, items: [{ price: (await monthlyPrice(stripe)).id }] });
    expect((await stripe.events.list({ type: 'entitlements.active_entitlement_summary.updated' })).data).toHaveLength(2);
  });
});
