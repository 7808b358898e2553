import { describe, expect, it } from 'vitest';
import * as f from './fixtures.ts';
import { actionForEvent, followUpRefs } from './ledger.ts';
import { chargeRecord, checkoutSessionRecord, customerRecord, disputeRecord, invoiceRecord, paymentMethodRecord, subscriptionRecord } from './ledger-records.ts';
import { verifyStripeSignature, signStripePayload } from './webhook.ts';

const envelope = (e: ReturnType<typeof f.event>) => e as unknown as { type: string; data: { object: Record<string, unknown> } };

describe('Stripe events → what Tollgate does', () => {
  it('names the object to re-read for every event type it acts on', () => {
    const sub = f.subscription();
    expect(actionForEvent(envelope(f.event('customer.subscription.updated', sub)))).toEqual({ action: 'project', refs: [{ kind: 'subscription', id: sub.id }] });
    const c = f.customer();
    expect(actionForEvent(envelope(f.event('customer.deleted', c)))).toEqual({ action: 'project', refs: [{ kind: 'customer', id: c.id }] });
    const refund = { id: 're_1', object: 'refund', charge: 'ch_1' };
    expect(actionForEvent(envelope(f.event('charge.refund.updated', refund)))).toEqual({
      action: 'project',
      refs: [
        { kind: 'refund', id: 're_1' },
        { kind: 'charge', id: 'ch_1' },
      ],
    });
    expect(actionForEvent(envelope(f.event('entitlements.active_entitlement_summary.updated', { object: 'entitlements.active_entitlement_summary', customer: 'cus_9' })))).toEqual({
      action: 'project',
      refs: [{ kind: 'entitlement_summary', id: 'cus_9' }],
    });
  });

  it('a dispute also refreshes its charge, and a failed or paid invoice its subscription', () => {
    const d = f.dispute({ charge: 'ch_7' });
    expect(actionForEvent(envelope(f.event('charge.dispute.created', d)))).toMatchObject({
      refs: [{ kind: 'dispute', id: d.id }, { kind: 'charge', id: 'ch_7' }],
    });
    const inv = f.invoice({ subscription: 'sub_3' });
    expect(actionForEvent(envelope(f.event('invoice.payment_failed', inv)))).toMatchObject({ refs: [{ kind: 'invoice', id: inv.id }, { kind: 'subscription', id: 'sub_3' }] });
    expect(actionForEvent(envelope(f.event('invoice.finalized', inv)))).toMatchObject({ refs: [{ kind: 'invoice', id: inv.id }] });
  });

  it('hands product and price events to the catalog, handles deauthorization, and ignores the rest', () => {
    expect(actionForEvent(envelope(f.event('product.updated', { id: 'prod_1', object: 'product' })))).toEqual({ action: 'catalog' });
    expect(actionForEvent(envelope(f.event('price.deleted', { id: 'price_1', object: 'price' })))).toEqual({ action: 'catalog' });
    expect(actionForEvent(envelope(f.event('account.application.deauthorized', { id: 'ca_1', object: 'application' })))).toEqual({ action: 'deauthorized' });
    expect(actionForEvent(envelope(f.event('balance.available', { object: 'balance' })))).toEqual({ action: 'ignore' });
    expect(actionForEvent(envelope(f.event('customer.subscription.pending_update_applied', f.subscription())))).toEqual({ action: 'ignore' });
    // an event we act on whose object has no id cannot be projected
    expect(actionForEvent(envelope(f.event('invoice.paid', { object: 'invoice' })))).toEqual({ action: 'ignore' });
  });
});

describe('Stripe objects → ledger records', () => {
  it('a subscription takes its current period from its items', () => {
    const start = f.unix('2026-03-01T00:00:00Z');
    const end = f.unix('2026-04-01T00:00:00Z');
    const sub = f.subscription({
      items: [f.subscriptionItem({ current_period_start: start, current_period_end: end, price: f.price({ id: 'price_pro', product: 'prod_pro' }), quantity: 3 })],
      cancel_at_period_end: true,
      trial_end: f.unix('2026-03-08T00:00:00Z'),
    });
    const r = subscriptionRecord(sub);
    expect(r.currentPeriodStart?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(r.currentPeriodEnd?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(r.items[0]).toMatchObject({ priceId: 'price_pro', productId: 'prod_pro', quantity: 3 });
    expect(r.cancelAtPeriodEnd).toBe(true);
    expect(r.trialEnd?.toISOString()).toBe('2026-03-08T00:00:00.000Z');
  });

  it('the delinquency of a subscription starts when its latest, still unpaid invoice first failed', () => {
    const failed = f.invoice({ status: 'open', attempt_count: 2, status_transitions: { finalized_at: f.unix('2026-02-01T01:00:00Z'), paid_at: null, voided_at: null, marked_uncollectible_at: null } });
    expect(subscriptionRecord(f.subscription({ status: 'past_due', latest_invoice: failed })).latestInvoiceFailedAt?.toISOString()).toBe('2026-02-01T01:00:00.000Z');
    const paid = { ...failed, status: 'paid' as const };
    expect(subscriptionRecord(f.subscription({ latest_invoice: paid })).latestInvoiceFailedAt).toBeNull();
    // the stored raw object keeps the id, not the expanded invoice
    expect(subscriptionRecord(f.subscription({ latest_invoice: failed })).raw.latest_invoice).toBe(failed.id);
  });

  it('an invoice links to its subscription through parent.subscription_details and to its payment intents through payments', () => {
    const inv = f.invoice({ subscription: 'sub_42' });
    (inv as unknown as { payments: unknown }).payments = { object: 'list', data: [{ payment: { type: 'payment_intent', payment_intent: 'pi_1' } }], has_more: false };
    const r = invoiceRecord(inv);
    expect(r.subscriptionId).toBe('sub_42');
    expect(r.paymentIntentIds).toEqual(['pi_1']);
    expect(followUpRefs('invoice.voided', r)).toEqual([{ kind: 'payment_intent', id: 'pi_1' }]);
    expect(followUpRefs('invoice.paid', r)).toEqual([]);
  });

  it('a deleted customer is a tombstone', () => {
    expect(customerRecord(f.deletedCustomer('cus_gone'))).toEqual({ kind: 'customer', stripeId: 'cus_gone', deleted: true });
  });

  it('a payment method keeps brand, last 4 and expiry only: no billing details, no fingerprint', () => {
    const r = paymentMethodRecord(f.paymentMethod());
    expect(r).toMatchObject({ brand: 'visa', last4: '4242', expMonth: 12, expYear: 2029 });
    const stored = JSON.stringify(r);
    expect(stored).not.toContain('Jane Doe');
    expect(stored).not.toContain('jane@example.test');
    expect(stored).not.toContain('fp_secret_ish');
  });

  it('charges, disputes and checkout sessions carry the fields operators and entitlements need', () => {
    expect(chargeRecord(f.charge({ amount_refunded: 400, disputed: true }))).toMatchObject({ amountRefunded: 400, disputed: true, cardBrand: 'visa', cardLast4: '4242' });
    expect(disputeRecord(f.dispute()).evidenceDueBy?.toISOString()).toBe('2026-01-08T00:00:00.000Z');
    expect(checkoutSessionRecord(f.checkoutSession())).toMatchObject({ clientReferenceId: 'user_42', customerEmail: 'jane@example.test', metadata: { plan: 'pro' } });
  });
});

describe('webhook signatures', () => {
  const secret = f.newWebhookSecret();
  const body = JSON.stringify(f.event('invoice.paid', f.invoice()));
  const now = Date.now();

  it('accepts Stripe’s signature on the exact bytes', () => {
    const header = signStripePayload(body, secret, Math.floor(now / 1000));
    expect(verifyStripeSignature(Buffer.from(body), header, secret, now)).toMatchObject({ ok: true });
  });

  it('refuses a changed body, another secret, or a signature older than 300 seconds', () => {
    const header = signStripePayload(body, secret, Math.floor(now / 1000));
    expect(verifyStripeSignature(Buffer.from(body.replace('invoice.paid', 'invoice.voided')), header, secret, now)).toMatchObject({ ok: false, failure: 'signature_invalid' });
    expect(verifyStripeSignature(Buffer.from(body), header, f.newWebhookSecret(), now)).toMatchObject({ ok: false, failure: 'signature_invalid' });
    const old = signStripePayload(body, secret, Math.floor(now / 1000) - 301);
    expect(verifyStripeSignature(Buffer.from(body), old, secret, now)).toMatchObject({ ok: false, failure: 'signature_invalid' });
    expect(verifyStripeSignature(Buffer.from(body), 'garbage', secret, now)).toMatchObject({ ok: false, failure: 'signature_invalid' });
  });

  it('a good signature on a body that is not JSON is an invalid event, not a bad signature', () => {
    const header = signStripePayload('{not json', secret, Math.floor(now / 1000));
    expect(verifyStripeSignature(Buffer.from('{not json'), header, secret, now)).toMatchObject({ ok: false, failure: 'event_invalid' });
  });
});
