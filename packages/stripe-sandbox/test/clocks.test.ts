// Time: test clocks (renewals, failed renewals and their retries, trials, cancel at
// period end, incomplete expiry) and the sandbox clock, which moves every customer
// that is not on a test clock.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { advanceTestClock, DAY, eventTypes, jsonOf, monthlyPrice, useSandbox, waitFor } from './helpers.ts';

const t = useSandbox();
const JAN_31_2030 = Date.UTC(2030, 0, 31, 12) / 1000;

async function onClock(stripe: Stripe, card: string, frozen = JAN_31_2030): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer }> {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen, name: 'renewals' });
  const customer = await stripe.customers.create({ email: 'clock@example.com', test_clock: clock.id, payment_method: card, invoice_settings: { default_payment_method: card } });
  return { clock, customer };
}

describe('test clocks', () => {
  it('creates, lists, retrieves and deletes a clock (and its customers)', async () => {
    const stripe = t.stripe();
    const { clock, customer } = await onClock(stripe, 'pm_card_visa');
    expect(clock).toMatchObject({ object: 'test_helpers.test_clock', status: 'ready', frozen_time: JAN_31_2030, name: 'renewals' });
    expect(customer.test_clock).toBe(clock.id);
    expect(customer.created).toBe(JAN_31_2030);
    expect((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toEqual([clock.id]);
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_31_2030 - 1 })).rejects.toMatchObject({ statusCode: 400, param: 'frozen_time' });
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ id: clock.id, deleted: true });
    expect((await stripe.customers.retrieve(customer.id)).deleted).toBe(true);
    await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('renews month after month on the anchor day, emitting each renewal\'s events in order', async () => {
    const stripe = t.stripe();
    const { clock, customer } = await onClock(stripe, 'pm_card_visa');
    const price = await monthlyPrice(stripe, 1200);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.test_clock).toBe(clock.id);
    expect(sub.items.data[0]?.current_period_end).toBe(Date.UTC(2030, 1, 28, 12) / 1000);
    const advancing = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_31_2030 + 31 * DAY });
    expect(advancing).toMatchObject({ status: 'advancing', status_details: { advancing: { target_frozen_time: JAN_31_2030 + 31 * DAY } } });
    await waitFor(async () => (await stripe.testHelpers.testClocks.retrieve(clock.id)).status === 'ready', 5000, 'clock ready');
    const ready = await advanceTestClock(stripe, clock.id, JAN_31_2030 + 62 * DAY);
    expect(ready).toMatchObject({ status: 'ready', frozen_time: JAN_31_2030 + 62 * DAY });
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]?.current_period_start).toBe(Date.UTC(2030, 2, 31, 12) / 1000);
    expect(renewed.items.data[0]?.current_period_end).toBe(Date.UTC(2030, 3, 30, 12) / 1000);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => [i.billing_reason, i.status, i.amount_paid])).toEqual([
      ['subscription_cycle', 'paid', 1200],
      ['subscription_cycle', 'paid', 1200],
      ['subscription_create', 'paid', 1200],
    ]);
    expect(invoices.data[0]?.created).toBe(Date.UTC(2030, 2, 31, 12) / 1000);
    const types = await eventTypes(stripe);
    const firstRenewal = types.indexOf('test_helpers.test_clock.advancing');
    expect(types.slice(firstRenewal, firstRenewal + 10)).toEqual([
      'test_helpers.test_clock.advancing',
      'invoice.created',
      'customer.subscription.updated',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'test_helpers.test_clock.ready',
    ]);
    const periodEvent = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 })).data[0] as Stripe.Event;
    expect(periodEvent.created).toBe(Date.UTC(2030, 2, 31, 12) / 1000);
    expect(periodEvent.data.previous_attributes).toHaveProperty('items');
  });

  it('retries a failed renewal on schedule: past_due, then canceled when retries run out', async () => {
    const stripe = t.stripe();
    const { clock, customer } = await onClock(stripe, 'pm_card_visa');
    const price = await monthlyPrice(stripe, 2000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    const renewal = sub.items.data[0]?.current_period_end as number;
    await advanceTestClock(stripe, clock.id, renewal + 60);
    const pastDue = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(pastDue.status).toBe('past_due');
    const invoice = pastDue.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, attempted: true, next_payment_attempt: renewal + 3 * DAY, billing_reason: 'subscription_cycle' });
    await advanceTestClock(stripe, clock.id, renewal + 3 * DAY + 60);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ attempt_count: 2, next_payment_attempt: renewal + 8 * DAY });
    await advanceTestClock(stripe, clock.id, renewal + 20 * DAY);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: renewal + 15 * DAY, cancellation_details: { reason: 'payment_failed' } });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
    const subEvents = (await eventTypes(stripe)).filter((e) => e.startsWith('customer.subscription') || e === 'invoice.payment_failed');
    expect(subEvents.slice(-7)).toEqual([
      'customer.subscription.updated', // renewal: the period moves
      'invoice.payment_failed',
      'customer.subscription.updated', // active → past_due
      'invoice.payment_failed', // retry after 3 days
      'invoice.payment_failed', // after 5 more
      'invoice.payment_failed', // after 7 more: retries exhausted
      'customer.subscription.deleted',
    ]);
    const toPastDue = (await stripe.events.list({ type: 'customer.subscription.updated' })).data.find((e) => (e.data.object as Stripe.Subscription).status === 'past_due');
    expect(toPastDue?.data.previous_attributes).toEqual({ status: 'active' });
  });

  it('marks the subscription unpaid instead when the sandbox is set so, and recovers on payment', async () => {
    const stripe = t.stripe();
    t.sandbox.configure({ onRetriesExhausted: 'unpaid', renewalRetryDays: [1] });
    try {
      const { clock, customer } = await onClock(stripe, 'pm_card_chargeCustomerFail');
      const price = await monthlyPrice(stripe, 2000);
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 5 });
      await advanceTestClock(stripe, clock.id, JAN_31_2030 + 5 * DAY + 60);
      const afterTrial = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
      expect(afterTrial.status).toBe('past_due');
      expect(afterTrial.trial_end).toBe(JAN_31_2030 + 5 * DAY);
      expect(afterTrial.items.data[0]?.current_period_start).toBe(JAN_31_2030 + 5 * DAY);
      await advanceTestClock(stripe, clock.id, JAN_31_2030 + 7 * DAY);
      const unpaid = await stripe.subscriptions.retrieve(sub.id);
      expect(unpaid.status).toBe('unpaid');
      await stripe.invoices.pay(unpaid.latest_invoice as string, { payment_method: 'pm_card_visa' });
      expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    } finally {
      t.sandbox.configure({ onRetriesExhausted: 'cancel', renewalRetryDays: [3, 5, 7] });
    }
  });

  it('ends trials (with trial_will_end three days before) and cancels at period end', async () => {
    const stripe = t.stripe();
    const { clock, customer } = await onClock(stripe, 'pm_card_visa');
    const price = await monthlyPrice(stripe, 900);
    const trial = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 10 });
    const leaving = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], cancel_at_period_end: true });
    await advanceTestClock(stripe, clock.id, JAN_31_2030 + 8 * DAY);
    expect(await eventTypes(stripe, { type: 'customer.subscription.trial_will_end' })).toHaveLength(1);
    expect((await stripe.subscriptions.retrieve(trial.id)).status).toBe('trialing');
    await advanceTestClock(stripe, clock.id, JAN_31_2030 + 40 * DAY);
    const active = await stripe.subscriptions.retrieve(trial.id, { expand: ['latest_invoice'] });
    expect(active.status).toBe('active');
    expect(active.latest_invoice).toMatchObject({ status: 'paid', total: 900, billing_reason: 'subscription_cycle' });
    const gone = await stripe.subscriptions.retrieve(leaving.id);
    expect(gone).toMatchObject({ status: 'canceled', ended_at: leaving.items.data[0]?.current_period_end });
    expect((await stripe.invoices.list({ subscription: leaving.id })).data).toHaveLength(1);
    const deleted = (await stripe.events.list({ type: 'customer.subscription.deleted' })).data[0] as Stripe.Event;
    expect((deleted.data.object as Stripe.Subscription).id).toBe(leaving.id);
  });

  it('expires a subscription left incomplete for 23 hours', async () => {
    const stripe = t.stripe();
    const { clock, customer } = await onClock(stripe, 'pm_card_chargeCustomerFail');
    const price = await monthlyPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.status).toBe('incomplete');
    await advanceTestClock(stripe, clock.id, JAN_31_2030 + DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete_expired');
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).status).toBe('void');
  });
});

describe('the sandbox clock', () => {
  it('moves customers without a test clock forward, renewing what falls due', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({ payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await monthlyPrice(stripe, 700, 'week');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const before = t.sandbox.clock.now();
    const after = t.sandbox.clock.advance(15 * DAY);
    expect(after - before).toBeGreaterThanOrEqual(15 * DAY);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(['subscription_cycle', 'subscription_cycle', 'subscription_create']);
    const newCustomer = await stripe.customers.create({});
    expect(newCustomer.created).toBeGreaterThanOrEqual(after);
    const res = await fetch(`${t.sandbox.url}/_sandbox/clock`);
    expect((await jsonOf(res)).now).toBeGreaterThanOrEqual(after);
    const moved = await fetch(`${t.sandbox.url}/_sandbox/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: DAY }) });
    expect((await jsonOf(moved)).now).toBeGreaterThanOrEqual(after + DAY);
    expect((await fetch(`${t.sandbox.url}/_sandbox/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: -5 }) })).status).toBe(400);
  });
});
