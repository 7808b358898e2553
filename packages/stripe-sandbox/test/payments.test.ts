// Money after the charge: refunds (full, partial, by charge or payment intent),
// disputes opened by pm_card_createDispute and won, lost or closed, and early fraud
// warnings from pm_card_createIssuerFraudRecord.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { eventTypes, monthlyPrice, payCheckout, useSandbox } from './helpers.ts';

const t = useSandbox();

/** A paid Checkout subscription with the given card; returns its charge. */
async function paidCharge(stripe: Stripe, card: string, amount = 4000): Promise<Stripe.Charge> {
  const price = await monthlyPrice(stripe, amount);
  const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], customer_email: 'payer@example.com', success_url: 'https://app.example/ok' });
  expect((await payCheckout(session, card)).status).toBe(303);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  const invoice = await stripe.invoices.retrieve(done.invoice as string, { expand: ['payments.data.payment.payment_intent.latest_charge'] });
  return (invoice.payments?.data[0]?.payment.payment_intent as Stripe.PaymentIntent).latest_charge as Stripe.Charge;
}

describe('payment intents and charges', () => {
  it('retrieves and lists them by customer and payment intent', async () => {
    const stripe = t.stripe();
    const charge = await paidCharge(stripe, 'pm_card_visa');
    const pi = await stripe.paymentIntents.retrieve(charge.payment_intent as string, { expand: ['latest_charge', 'customer'] });
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 4000, latest_charge: { id: charge.id } });
    expect((await stripe.paymentIntents.list({ customer: charge.customer as string })).data.map((p) => p.id)).toEqual([pi.id]);
    expect((await stripe.charges.list({ payment_intent: pi.id })).data.map((c) => c.id)).toEqual([charge.id]);
    expect(charge).toMatchObject({ outcome: { type: 'authorized', network_status: 'approved_by_network' }, payment_method_details: { type: 'card', card: { last4: '4242', brand: 'visa' } } });
  });
});

describe('refunds', () => {
  it('refunds partially then fully, by charge and by payment intent', async () => {
    const stripe = t.stripe();
    const charge = await paidCharge(stripe, 'pm_card_visa');
    const partial = await stripe.refunds.create({ charge: charge.id, amount: 1500, reason: 'requested_by_customer', metadata: { ticket: 't_9' } });
    expect(partial).toMatchObject({ object: 'refund', amount: 1500, status: 'succeeded', charge: charge.id, payment_intent: charge.payment_intent, reason: 'requested_by_customer', metadata: { ticket: 't_9' } });
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 1500, refunded: false });
    await expect(stripe.refunds.create({ charge: charge.id, amount: 9000 })).rejects.toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'amount' });
    const rest = await stripe.refunds.create({ payment_intent: charge.payment_intent as string });
    expect(rest.amount).toBe(2500);
    const refunded = await stripe.charges.retrieve(charge.id, { expand: ['refunds'] });
    expect(refunded).toMatchObject({ amount_refunded: 4000, refunded: true });
    expect(refunded.refunds?.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect((await stripe.refunds.list({ charge: charge.id })).data).toHaveLength(2);
    expect(await stripe.refunds.retrieve(partial.id)).toMatchObject({ amount: 1500 });
    expect((await stripe.refunds.update(partial.id, { metadata: { ticket: '', note: 'done' } })).metadata).toEqual({ note: 'done' });
    expect((await eventTypes(stripe)).filter((e) => e.startsWith('refund') || e === 'charge.refunded')).toEqual(['refund.created', 'charge.refunded', 'refund.created', 'charge.refunded', 'refund.updated']);
    await expect(stripe.refunds.create({})).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.refunds.create({ charge: 'ch_nope' })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('disputes', () => {
  it('opens a dispute on pm_card_createDispute and closes it won on winning evidence', async () => {
    const stripe = t.stripe();
    const charge = await paidCharge(stripe, 'pm_card_createDispute');
    const disputes = await stripe.disputes.list({ charge: charge.id });
    expect(disputes.data).toHaveLength(1);
    const dispute = disputes.data[0] as Stripe.Dispute;
    expect(dispute).toMatchObject({ object: 'dispute', status: 'needs_response', amount: 4000, charge: charge.id, reason: 'fraudulent', is_charge_refundable: false, evidence_details: { has_evidence: false, submission_count: 0 } });
    expect((dispute.evidence_details.due_by as number) - dispute.created).toBe(7 * 86400);
    expect(dispute.balance_transactions.map((b) => b.amount)).toEqual([-4000]);
    expect((await stripe.charges.retrieve(charge.id)).disputed).toBe(true);
    const types = await eventTypes(stripe);
    expect(types.slice(-3)).toEqual(['checkout.session.completed', 'charge.dispute.created', 'charge.dispute.funds_withdrawn']);
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ code: 'charge_disputed' });

    const saved = await stripe.disputes.update(dispute.id, { evidence: { product_description: 'A subscription', uncategorized_text: 'winning_evidence' }, metadata: { case: '1' } });
    expect(saved).toMatchObject({ status: 'needs_response', evidence: { uncategorized_text: 'winning_evidence', product_description: 'A subscription' }, evidence_details: { has_evidence: true }, metadata: { case: '1' } });
    const won = await stripe.disputes.update(dispute.id, { submit: true, expand: ['charge'] });
    expect(won).toMatchObject({ status: 'won', evidence_details: { submission_count: 1 } });
    expect((won.charge as Stripe.Charge).id).toBe(charge.id);
    expect(won.balance_transactions.map((b) => b.amount)).toEqual([-4000, 4000]);
    expect((await eventTypes(stripe)).slice(-4)).toEqual(['charge.dispute.updated', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_reinstated']);
    await expect(stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'more' } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.disputes.close(dispute.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('loses on losing evidence, and closing concedes', async () => {
    const stripe = t.stripe();
    const lostCharge = await paidCharge(stripe, 'pm_card_createDispute');
    const lost = (await stripe.disputes.list({ charge: lostCharge.id })).data[0] as Stripe.Dispute;
    expect((await stripe.disputes.update(lost.id, { evidence: { uncategorized_text: 'losing_evidence' }, submit: true })).status).toBe('lost');
    const closedCharge = await paidCharge(stripe, 'pm_card_createDispute', 1000);
    const open = (await stripe.disputes.list({ payment_intent: closedCharge.payment_intent as string })).data[0] as Stripe.Dispute;
    const closed = await stripe.disputes.close(open.id);
    expect(closed.status).toBe('lost');
    expect((await stripe.disputes.list()).data).toHaveLength(2);
    expect((await eventTypes(stripe, { type: 'charge.dispute.closed' }))).toHaveLength(2);
    expect((await stripe.disputes.retrieve(open.id)).status).toBe('lost');
  });
});

describe('early fraud warnings', () => {
  it('creates an actionable warning on pm_card_createIssuerFraudRecord, settled by a full refund', async () => {
    const stripe = t.stripe();
    const charge = await paidCharge(stripe, 'pm_card_createIssuerFraudRecord');
    const warnings = await stripe.radar.earlyFraudWarnings.list({ charge: charge.id });
    expect(warnings.data).toHaveLength(1);
    const warning = warnings.data[0] as Stripe.Radar.EarlyFraudWarning;
    expect(warning).toMatchObject({ object: 'radar.early_fraud_warning', actionable: true, fraud_type: 'made_with_stolen_card', charge: charge.id, payment_intent: charge.payment_intent });
    const expanded = await stripe.radar.earlyFraudWarnings.retrieve(warning.id, { expand: ['charge'] });
    expect((expanded.charge as Stripe.Charge).amount).toBe(4000);
    expect((await eventTypes(stripe)).at(-1)).toBe('radar.early_fraud_warning.created');
    await stripe.refunds.create({ charge: charge.id });
    expect((await stripe.radar.earlyFraudWarnings.retrieve(warning.id)).actionable).toBe(false);
    expect((await eventTypes(stripe)).at(-1)).toBe('radar.early_fraud_warning.updated');
    expect((await stripe.radar.earlyFraudWarnings.list({ payment_intent: charge.payment_intent as string })).data).toHaveLength(1);
  });
});
