// Checkout: creating sessions, the hosted page, paying it (subscription and payment
// mode, trials, declines), expiring, listing, and the events Stripe sends on the way.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { DAY, eventTypes, monthlyPrice, payCheckout, useSandbox } from './helpers.ts';

const t = useSandbox();

async function subscriptionSession(stripe: Stripe, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<{ session: Stripe.Checkout.Session; price: Stripe.Price }> {
  const price = await monthlyPrice(stripe, 2500);
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 2 }],
    success_url: 'https://app.example/success?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://app.example/cancel',
    customer_email: 'buyer@example.com',
    client_reference_id: 'user_42',
    metadata: { tenant: 't_1' },
    ...extra,
  });
  return { session, price };
}

describe('creating a session', () => {
  it('returns an open session with a hosted url, line items on request', async () => {
    const stripe = t.stripe();
    const { session, price } = await subscriptionSession(stripe);
    expect(session).toMatchObject({ object: 'checkout.session', mode: 'subscription', status: 'open', payment_status: 'unpaid', amount_total: 5000, currency: 'usd', customer: null, customer_email: 'buyer@example.com', client_reference_id: 'user_42', metadata: { tenant: 't_1' }, subscription: null });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${t.sandbox.url}/checkout/${session.id}`);
    expect(session.line_items).toBeUndefined();
    const withItems = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
    expect(withItems.line_items?.data[0]).toMatchObject({ object: 'item', quantity: 2, amount_total: 5000, price: { id: price.id } });
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data).toHaveLength(1);
    expect(session.expires_at - session.created).toBe(DAY);
  });

  it('rejects what Stripe rejects', async () => {
    const stripe = t.stripe();
    const recurring = await monthlyPrice(stripe);
    const product = await stripe.products.create({ name: 'One-off' });
    const once = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500 });
    await expect(stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: recurring.id, quantity: 1 }], success_url: 'https://x' })).rejects.toMatchObject({ statusCode: 400, param: 'line_items[0][price]' });
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: once.id, quantity: 1 }], success_url: 'https://x' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_missing', quantity: 1 }], success_url: 'https://x' })).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.checkout.sessions.create({ line_items: [{ price: recurring.id, quantity: 1 }] } as Stripe.Checkout.SessionCreateParams)).rejects.toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'mode' });
    const customer = await stripe.customers.create({});
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, customer_email: 'x@example.com', line_items: [{ price: recurring.id, quantity: 1 }] })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('the hosted page', () => {
  it('shows the line items and the test cards, and paying redirects to success_url', async () => {
    const stripe = t.stripe();
    const { session } = await subscriptionSession(stripe);
    const page = await fetch(session.url as string);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('× 2');
    expect(html).toContain('$50.00');
    expect(html).toContain('value="pm_card_visa"');
    expect(html).toContain('value="pm_card_createDispute"');
    expect(html).toContain(`action="/checkout/${session.id}"`);

    const res = await payCheckout(session, 'pm_card_visa', { name: 'Buyer' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`https://app.example/success?session=${session.id}`);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription', 'customer', 'line_items'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', url: null, customer_details: { email: 'buyer@example.com', name: 'Buyer' } });
    const sub = done.subscription as Stripe.Subscription;
    const customer = done.customer as Stripe.Customer;
    expect(customer.email).toBe('buyer@example.com');
    expect(sub).toMatchObject({ status: 'active', customer: customer.id, metadata: {}, cancel_at_period_end: false });
    expect(sub.items.data[0]).toMatchObject({ quantity: 2, current_period_start: sub.start_date });
    expect(sub.items.data[0]?.current_period_end).toBeGreaterThan(sub.start_date + 27 * DAY);
    const pm = await stripe.paymentMethods.retrieve(sub.default_payment_method as string);
    expect(pm).toMatchObject({ customer: customer.id, card: { last4: '4242' } });

    const invoice = await stripe.invoices.retrieve(done.invoice as string, { expand: ['payments.data.payment.payment_intent'] });
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 5000, amount_due: 5000, billing_reason: 'subscription_create', customer: customer.id, attempt_count: 1 });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice.number).toMatch(/^[0-9A-F]{8}-0001$/);
    const pi = invoice.payments?.data[0]?.payment.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 5000, customer: customer.id });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 5000, payment_intent: pi.id, payment_method: pm.id });

    expect(await eventTypes(stripe, { created: { gte: session.created } })).toEqual([
      'product.created',
      'price.created',
      'customer.created',
      'payment_method.attached',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
      'checkout.session.completed',
    ]);
    const completed = (await stripe.events.list({ type: 'checkout.session.completed' })).data[0] as Stripe.Event;
    expect((completed.data.object as Stripe.Checkout.Session).subscription).toBe(sub.id);
    expect(completed.request).toEqual({ id: null, idempotency_key: null });
    const created = (await stripe.events.list({ type: 'customer.subscription.created' })).data[0] as Stripe.Event;
    expect((created.data.object as Stripe.Subscription).status).toBe('incomplete');
    const updated = (await stripe.events.list({ type: 'customer.subscription.updated' })).data[0] as Stripe.Event;
    expect(updated.data.previous_attributes).toEqual({ status: 'incomplete' });

    const again = await payCheckout(session);
    expect(again.status).toBe(400);
  });

  it('shows a declined card on the page and leaves the session open with nothing created', async () => {
    const stripe = t.stripe();
    const { session } = await subscriptionSession(stripe);
    for (const card of ['pm_card_visa_chargeDeclined', 'pm_card_chargeCustomerFail']) {
      const res = await payCheckout(session, card);
      expect(res.status).toBe(402);
      expect(await res.text()).toContain('Your card was declined.');
    }
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await stripe.customers.list()).data).toHaveLength(0);
    expect((await stripe.subscriptions.list()).data).toHaveLength(0);
    const ok = await payCheckout(session);
    expect(ok.status).toBe(303);
  });

  it('starts a trial from subscription_data and uses an existing customer', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({ email: 'trial@example.com' });
    const { session } = await subscriptionSession(stripe, { customer_email: undefined, customer: customer.id, subscription_data: { trial_period_days: 14, metadata: { source: 'checkout' } } });
    expect(session.customer).toBe(customer.id);
    const res = await payCheckout(session, 'pm_card_chargeCustomerFail');
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription.latest_invoice'] });
    expect(done.payment_status).toBe('no_payment_required');
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: 'trialing', customer: customer.id, metadata: { source: 'checkout' } });
    expect((sub.trial_end as number) - (sub.trial_start as number)).toBe(14 * DAY);
    expect(sub.items.data[0]?.current_period_end).toBe(sub.trial_end);
    expect(sub.latest_invoice).toMatchObject({ status: 'paid', amount_due: 0, total: 0 });
    expect((await stripe.customers.list()).data).toHaveLength(1);
  });

  it('pays a one-time payment without creating a customer unless asked', async () => {
    const stripe = t.stripe();
    const product = await stripe.products.create({ name: 'Lifetime' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 9900 });
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://app.example/thanks', payment_intent_data: { metadata: { order: 'o_1' } } });
    const res = await payCheckout(session, 'pm_card_visa', { email: 'once@example.com' });
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', customer: null, customer_details: { email: 'once@example.com' } });
    expect(done.payment_intent).toMatchObject({ status: 'succeeded', amount: 9900, metadata: { order: 'o_1' } });
    expect((await stripe.customers.list()).data).toHaveLength(0);
    const withCustomer = await stripe.checkout.sessions.create({ mode: 'payment', customer_creation: 'always', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://app.example/thanks' });
    await payCheckout(withCustomer, 'pm_card_visa', { email: 'kept@example.com' });
    expect((await stripe.customers.list({ email: 'kept@example.com' })).data).toHaveLength(1);
  });

  it('takes inline price_data and product_data', async () => {
    const stripe = t.stripe();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'inline@example.com',
      success_url: 'https://app.example/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1234, recurring: { interval: 'year' }, product_data: { name: 'Inline plan' } } }],
    });
    expect(session.amount_total).toBe(1234);
    expect(await (await fetch(session.url as string)).text()).toContain('Inline plan');
    expect((await payCheckout(session)).status).toBe(303);
    const sub = (await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] })).subscription as Stripe.Subscription;
    expect(sub.items.data[0]?.price).toMatchObject({ unit_amount: 1234, active: false, recurring: { interval: 'year' } });
  });

  it('asks for an email when the session has no customer', async () => {
    const stripe = t.stripe();
    const { session } = await subscriptionSession(stripe, { customer_email: undefined });
    expect(await (await fetch(session.url as string)).text()).toContain('name="email"');
    const res = await payCheckout(session);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Enter an email address.');
  });
});

describe('expiring and listing', () => {
  it('expires an open session and refuses to expire it twice', async () => {
    const stripe = t.stripe();
    const { session } = await subscriptionSession(stripe);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ statusCode: 400 });
    expect((await fetch(`${t.sandbox.url}/checkout/${session.id}`)).status).toBe(410);
    expect((await payCheckout({ ...session })).status).toBe(400);
    expect((await stripe.events.list({ type: 'checkout.session.expired' })).data).toHaveLength(1);
  });

  it('expires a session on its own once the sandbox clock passes expires_at', async () => {
    const stripe = t.stripe();
    const { session } = await subscriptionSession(stripe);
    t.sandbox.clock.advance(DAY + 60);
    expect((await stripe.events.list({ type: 'checkout.session.expired' })).data.map((e) => (e.data.object as Stripe.Checkout.Session).id)).toEqual([session.id]);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
  });

  it('lists sessions by status, customer and subscription', async () => {
    const stripe = t.stripe();
    const { session: a } = await subscriptionSession(stripe);
    const { session: b } = await subscriptionSession(stripe);
    await payCheckout(b);
    const paid = await stripe.checkout.sessions.retrieve(b.id);
    expect((await stripe.checkout.sessions.list({ status: 'open' })).data.map((s) => s.id)).toEqual([a.id]);
    expect((await stripe.checkout.sessions.list({ status: 'complete' })).data.map((s) => s.id)).toEqual([b.id]);
    expect((await stripe.checkout.sessions.list({ customer: paid.customer as string })).data.map((s) => s.id)).toEqual([b.id]);
    expect((await stripe.checkout.sessions.list({ subscription: paid.subscription as string })).data.map((s) => s.id)).toEqual([b.id]);
  });
});
