// Customers and their payment methods: CRUD, list by email, deletion, attaching test
// cards (each use of a test id makes a new concrete payment method), declines.
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { eventTypes, useSandbox } from './helpers.ts';

const t = useSandbox();

describe('customers', () => {
  it('creates, retrieves, updates and lists customers by email', async () => {
    const stripe = t.stripe();
    const ada = await stripe.customers.create({ email: 'ada@example.com', name: 'Ada', metadata: { user: 'u_1' }, address: { country: 'GB', city: 'London' } });
    expect(ada).toMatchObject({ object: 'customer', email: 'ada@example.com', name: 'Ada', metadata: { user: 'u_1' }, livemode: false, delinquent: false, balance: 0, test_clock: null });
    expect(ada.address).toMatchObject({ country: 'GB', city: 'London', line1: null });
    await stripe.customers.create({ email: 'bob@example.com' });
    const updated = await stripe.customers.update(ada.id, { name: 'Ada L.', description: 'VIP', metadata: { plan: 'pro' } });
    expect(updated).toMatchObject({ name: 'Ada L.', description: 'VIP', metadata: { user: 'u_1', plan: 'pro' } });
    const byEmail = await stripe.customers.list({ email: 'ada@example.com' });
    expect(byEmail.data.map((c) => c.id)).toEqual([ada.id]);
    const emailChanged = await stripe.customers.update(ada.id, { email: 'ada@new.example' });
    expect(emailChanged.email).toBe('ada@new.example');
    expect((await stripe.customers.list({ email: 'ada@example.com' })).data).toHaveLength(0);
    expect((await stripe.customers.list({ email: 'ada@new.example' })).data).toHaveLength(1);
    expect((await stripe.customers.list()).data).toHaveLength(2);
    const events = await stripe.events.list({ type: 'customer.updated' });
    expect(events.data[0]?.data.previous_attributes).toEqual({ email: 'ada@example.com' });
  });

  it('deletes a customer, cancels its subscriptions, and still answers a retrieve with the deleted stub', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({ email: 'gone@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await stripe.products.create({ name: 'Gone' });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 100, currency: 'usd', recurring: { interval: 'month' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const deleted = await stripe.customers.del(customer.id);
    expect(deleted).toEqual(expect.objectContaining({ id: customer.id, object: 'customer', deleted: true }));
    const again = await stripe.customers.retrieve(customer.id);
    expect(again.deleted).toBe(true);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    const types = await eventTypes(stripe);
    expect(types.slice(-2)).toEqual(['customer.subscription.deleted', 'customer.deleted']);
    await expect(stripe.customers.update(customer.id, { name: 'x' })).rejects.toMatchObject({ statusCode: 404 });
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });
});

describe('payment methods', () => {
  it('makes a new concrete card each time a test id is attached, and lists, retrieves and detaches them', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({ email: 'cards@example.com' });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(visa.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect(visa).toMatchObject({ object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242', exp_month: 12, funding: 'credit' } });
    const mc = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    expect(mc.card?.last4).toBe('4444');
    expect(mc.id).not.toBe(visa.id);
    const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(listed.data.map((p) => p.id)).toEqual([mc.id, visa.id]);
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(2);
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: visa.id } });
    const detached = await stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    expect((await stripe.customers.retrieve(customer.id) as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    expect((await stripe.paymentMethods.retrieve(mc.id)).customer).toBe(customer.id);
    const named = await stripe.paymentMethods.update(mc.id, { billing_details: { name: 'Card Holder' }, metadata: { label: 'work' } });
    expect(named).toMatchObject({ billing_details: { name: 'Card Holder' }, metadata: { label: 'work' } });
    await expect(stripe.paymentMethods.detach(visa.id)).rejects.toMatchObject({ statusCode: 400 });
    expect(await eventTypes(stripe)).toEqual(['customer.created', 'payment_method.attached', 'payment_method.attached', 'customer.updated', 'payment_method.detached', 'customer.updated', 'payment_method.updated']);
  });

  it('declines attaching pm_card_visa_chargeDeclined (and its alias) with a card error', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({});
    for (const id of ['pm_card_visa_chargeDeclined', 'pm_card_chargeDeclined']) {
      const err = (await stripe.paymentMethods.attach(id, { customer: customer.id }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    }
    await expect(stripe.customers.create({ email: 'no@example.com', payment_method: 'pm_card_chargeDeclined' })).rejects.toMatchObject({ statusCode: 402 });
    expect((await stripe.customers.list({ email: 'no@example.com' })).data).toHaveLength(0);
  });

  it('attaches pm_card_chargeCustomerFail (its charges fail later) and sets a default on create', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({ payment_method: 'pm_card_chargeCustomerFail', invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' } });
    const pmId = customer.invoice_settings.default_payment_method as string;
    expect(pmId).toMatch(/^pm_/);
    expect((await stripe.paymentMethods.retrieve(pmId)).card?.last4).toBe('0341');
    const created = (await stripe.events.list({ type: 'customer.created' })).data[0];
    expect((created?.data.object as Stripe.Customer).invoice_settings.default_payment_method).toBe(pmId);
    await expect(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_nope' } })).rejects.toMatchObject({ statusCode: 400, param: 'invoice_settings[default_payment_method]' });
    await expect(stripe.paymentMethods.attach('pm_nope', { customer: customer.id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stripe.paymentMethods.list({ customer: 'cus_nope' })).rejects.toMatchObject({ statusCode: 404 });
  });
});
