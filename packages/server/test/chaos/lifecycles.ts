/**
 * Customer lifecycles driven through the Stripe API (the sandbox), as a
 * tenant's customers would live them: checkout, renewals by test clock, failed
 * payments and recovery, cancellations, disputes, fraud warnings, refunds,
 * deletions. Shared by the end-to-end tests and the chaos harness.
 */
import type Stripe from 'stripe';

export const DAY = 86_400;

export interface World {
  stripe: Stripe;
  /** The sandbox base URL (hosted Checkout pages). */
  sandboxUrl: string;
  price: Stripe.Price;
}

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** A product granting one Stripe Entitlements feature, with a monthly price. */
export async function setupCatalog(stripe: Stripe, name = 'Pro'): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name });
  const feature = await stripe.entitlements.features.create({ name: `${name} access`, lookup_key: `${name.toLowerCase().replace(/\W+/g, '_')}_access` });
  await stripe.products.createFeature(product.id, { entitlement_feature: feature.id });
  return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1200, recurring: { interval: 'month' } });
}

export async function newClock(stripe: Stripe, frozenTime = Math.floor(Date.now() / 1000)): Promise<Stripe.TestHelpers.TestClock> {
  return stripe.testHelpers.testClocks.create({ frozen_time: frozenTime, name: 'lifecycle' });
}

/** Moves a test clock forward by `seconds` and waits until everything due has run. */
export async function advance(stripe: Stripe, clock: Stripe.TestHelpers.TestClock, seconds: number): Promise<Stripe.TestHelpers.TestClock> {
  const current = await stripe.testHelpers.testClocks.retrieve(clock.id);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: current.frozen_time + seconds });
  for (let i = 0; i < 500; i++) {
    const now = await stripe.testHelpers.testClocks.retrieve(clock.id);
    if (now.status === 'ready') return now;
    await sleep(10);
  }
  throw new Error(`test clock ${clock.id} did not finish advancing`);
}

/** A customer on its own test clock with `card` as default payment method. */
export async function customerOnClock(stripe: Stripe, card: string, email: string) {
  const clock = await newClock(stripe);
  const customer = await stripe.customers.create({ email, name: email.split('@')[0], test_clock: clock.id, payment_method: card, invoice_settings: { default_payment_method: card } });
  return { clock, customer };
}

export async function subscribe(w: World, card: string, email: string) {
  const { clock, customer } = await customerOnClock(w.stripe, card, email);
  const sub = await w.stripe.subscriptions.create({ customer: customer.id, items: [{ price: w.price.id }] });
  return { clock, customer, sub };
}

/** Swaps the customer's default payment method for `card` (attached fresh). */
export async function switchCard(stripe: Stripe, customerId: string, card: string): Promise<Stripe.PaymentMethod> {
  const pm = await stripe.paymentMethods.attach(card, { customer: customerId });
  await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: pm.id } });
  return pm;
}

/** Completes a hosted Checkout page the way a browser would (form post). */
export async function completeCheckout(sandboxUrl: string, session: Stripe.Checkout.Session, card: string, email: string): Promise<number> {
  const res = await fetch(`${sandboxUrl}/checkout/${session.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ payment_method: card, email, name: 'Checkout Customer' }).toString(),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  return res.status;
}

export type LifecycleName = 'renewals' | 'failed_then_recovered' | 'failed_until_canceled' | 'cancel_at_period_end' | 'checkout' | 'dispute' | 'fraud_and_refund' | 'partial_refund' | 'deleted';

export const LIFECYCLES: LifecycleName[] = ['renewals', 'failed_then_recovered', 'failed_until_canceled', 'cancel_at_period_end', 'checkout', 'dispute', 'fraud_and_refund', 'partial_refund', 'deleted'];

/** Runs one customer's lifecycle to its end. */
export async function runLifecycle(w: World, name: LifecycleName, n: number): Promise<void> {
  const { stripe } = w;
  const email = `${name.replaceAll('_', '-')}-${n}@chaos.test`;
  switch (name) {
    case 'renewals': {
      const { clock } = await subscribe(w, 'pm_card_visa', email);
      await advance(stripe, clock, 32 * DAY);
      await advance(stripe, clock, 31 * DAY);
      return;
    }
    case 'failed_then_recovered': {
      const { clock, customer, sub } = await subscribe(w, 'pm_card_visa', email);
      await switchCard(stripe, customer.id, 'pm_card_chargeCustomerFail');
      await advance(stripe, clock, 32 * DAY); // renewal fails: past_due
      const good = await switchCard(stripe, customer.id, 'pm_card_mastercard');
      const open = (await stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0];
      if (open) await stripe.invoices.pay(open.id, { payment_method: good.id });
      return;
    }
    case 'failed_until_canceled': {
      const { clock, customer } = await subscribe(w, 'pm_card_visa', email);
      await switchCard(stripe, customer.id, 'pm_card_chargeCustomerFail');
      await advance(stripe, clock, 32 * DAY);
      for (let i = 0; i < 4; i++) await advance(stripe, clock, 6 * DAY); // retries run out: canceled
      return;
    }
    case 'cancel_at_period_end': {
      const { clock, sub } = await subscribe(w, 'pm_card_visa', email);
      await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
      await advance(stripe, clock, 32 * DAY);
      return;
    }
    case 'checkout': {
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: w.price.id, quantity: 1 }],
        success_url: 'https://app.example.test/done',
        customer_email: email,
        client_reference_id: `user_${n}`,
        metadata: { chaos: String(n) },
      });
      const status = await completeCheckout(w.sandboxUrl, session, 'pm_card_visa', email);
      if (status >= 400) throw new Error(`checkout page answered ${status}`);
      return;
    }
    case 'dispute': {
      const { sub } = await subscribe(w, 'pm_card_createDispute', email);
      const pi = (await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['payments'] })).payments?.data[0]?.payment.payment_intent;
      const mine = typeof pi === 'string' ? (await stripe.disputes.list({ payment_intent: pi })).data[0] : undefined;
      if (mine) await stripe.disputes.update(mine.id, { evidence: { uncategorized_text: n % 2 ? 'winning_evidence' : 'losing_evidence' }, submit: true });
      return;
    }
    case 'fraud_and_refund': {
      const { sub } = await subscribe(w, 'pm_card_createIssuerFraudRecord', email);
      const pi = (await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['payments'] })).payments?.data[0]?.payment.payment_intent;
      if (typeof pi === 'string') await stripe.refunds.create({ payment_intent: pi });
      await stripe.subscriptions.cancel(sub.id);
      return;
    }
    case 'partial_refund': {
      const { customer, sub } = await subscribe(w, 'pm_card_amex', email);
      const pi = (await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['payments'] })).payments?.data[0]?.payment.payment_intent;
      if (typeof pi === 'string') await stripe.refunds.create({ payment_intent: pi, amount: 300 });
      // the customer swaps cards: the old one is detached
      const old = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
      await switchCard(stripe, customer.id, 'pm_card_visa');
      const oldPm = old.invoice_settings.default_payment_method;
      if (typeof oldPm === 'string') await stripe.paymentMethods.detach(oldPm);
      return;
    }
    case 'deleted': {
      const { customer, sub } = await subscribe(w, 'pm_card_visa', email);
      await stripe.customers.update(customer.id, { name: 'Renamed Before Leaving', metadata: { reason: 'churn' } });
      await stripe.subscriptions.cancel(sub.id);
      await stripe.customers.del(customer.id);
      return;
    }
  }
}
