/**
 * Payment intents and charges: creating an intent, confirming it with a card
 * (which makes a charge that succeeds or fails by the card's behaviour), the
 * follow-ups of special cards (disputes, early fraud warnings), and the retrieve and
 * list endpoints. Events: payment_intent.created, charge.succeeded|failed, then
 * payment_intent.succeeded|payment_failed.
 */
import type Stripe from 'stripe';
import { cardDeclined, type StripeApiError } from '../core/errors.ts';
import { LIST, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type Route } from '../core/router.ts';
import { registerIncludable } from '../core/render.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { behaviorOf, declineMessage } from './cards.ts';
import { openDispute, openEarlyFraudWarning } from './disputes.ts';

export interface IntentInput {
  amount: number;
  currency: string;
  customer: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  paymentMethod?: string | null;
}

export function createPaymentIntent(ctx: Ctx, input: IntentInput): Entry<'payment_intent'> {
  const id = ctx.id('paymentIntent');
  const pi: Stripe.PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${ctx.id('secret')}`,
    confirmation_method: 'automatic',
    created: ctx.now,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod ?? null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
  const entry = ctx.insert('payment_intent', pi);
  ctx.emit('payment_intent.created', entry);
  return entry;
}

function buildCharge(ctx: Ctx, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, ok: boolean, declineCode: string): Stripe.Charge {
  const card = pm.card;
  return {
    id: ctx.id('charge'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: ok ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'TOLLGATE SANDBOX',
    captured: ok,
    created: ctx.now,
    currency: pi.currency,
    customer: pi.customer as string | null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: ok ? null : 'card_declined',
    failure_message: ok ? null : declineMessage(declineCode),
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: ok
      ? { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: 20, seller_message: 'Payment complete.', type: 'authorized' }
      : { advice_code: 'try_again_later', network_advice_code: null, network_decline_code: null, network_status: 'declined_by_network', reason: declineCode, risk_level: 'normal', risk_score: 20, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' },
    paid: ok,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: {
      type: 'card',
      card: {
        amount_authorized: ok ? pi.amount : null,
        authorization_code: ok ? '123456' : null,
        brand: card?.brand ?? null,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: card?.country ?? null,
        exp_month: card?.exp_month ?? 12,
        exp_year: card?.exp_year ?? 2030,
        fingerprint: card?.fingerprint ?? null,
        funding: card?.funding ?? null,
        installments: null,
        last4: card?.last4 ?? null,
        mandate: null,
        network: card?.brand ?? null,
        network_token: { used: false },
        network_transaction_id: ok ? ctx.id('fingerprint') : null,
        regulated_status: 'unregulated',
        three_d_secure: null,
        wallet: null,
        electronic_commerce_indicator: null,
        transaction_link_id: null,
      },
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: ok ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

export interface ConfirmResult {
  ok: boolean;
  charge: Entry<'charge'>;
  /** The 402 Stripe answers when a confirmation is declined. */
  error?: StripeApiError;
}

/**
 * Confirm an intent with a card: one charge, succeeded or failed by the card's
 * behaviour, and the intent moved to `succeeded` or back to `requires_payment_method`.
 */
export function confirmPaymentIntent(ctx: Ctx, pi: Entry<'payment_intent'>, pm: Entry<'payment_method'>): ConfirmResult {
  const card = behaviorOf(pm.obj);
  const ok = card.behavior !== 'decline' && card.behavior !== 'charge_fail';
  const declineCode = card.declineCode ?? 'generic_decline';
  const charge = ctx.insert('charge', buildCharge(ctx, pi.obj, pm.obj, ok, declineCode));
  ctx.emit(ok ? 'charge.succeeded' : 'charge.failed', charge);
  if (ok) {
    ctx.update(pi, (o) => {
      o.status = 'succeeded';
      o.amount_received = o.amount;
      o.latest_charge = charge.id;
      o.payment_method = pm.id;
      o.last_payment_error = null;
    });
    ctx.emit('payment_intent.succeeded', pi);
    if (card.behavior === 'dispute') ctx.defer(() => openDispute(ctx, charge));
    if (card.behavior === 'early_fraud_warning') ctx.defer(() => openEarlyFraudWarning(ctx, charge));
    return { ok, charge };
  }
  const message = declineMessage(declineCode);
  ctx.update(pi, (o) => {
    o.status = 'requires_payment_method';
    o.latest_charge = charge.id;
    o.payment_method = null;
    o.last_payment_error = {
      charge: charge.id,
      code: 'card_declined',
      decline_code: declineCode,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      message,
      payment_method: pm.obj,
      type: 'card_error',
    };
  });
  ctx.emit('payment_intent.payment_failed', pi);
  const error = cardDeclined({ declineCode, message, charge: charge.id, paymentIntent: ctx.render(pi), paymentMethod: ctx.render(pm) });
  return { ok, charge, error };
}

registerIncludable('charge', 'refunds', (charge, view) => {
  const entries = view.store.byIndex('refund', view.account, 'charge', String(charge.id));
  return { object: 'list', data: [...entries].reverse().map((e) => view.render(e)), has_more: false, url: `/v1/charges/${String(charge.id)}/refunds` };
});

export const paymentRoutes: Route[] = [
  route('GET', '/v1/payment_intents/:id', {}, (req) => req.ctx.render(mustGet(req, 'payment_intent', req.path.id as string, 'payment_intent'))),
  route('GET', '/v1/payment_intents', { ...LIST, customer: string(), created: range() }, (req) => {
    const { customer } = req.params;
    const candidates = customer ? req.rt.store.byIndex('payment_intent', req.account, 'customer', customer) : req.rt.store.all('payment_intent', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/payment_intents', (e) => created(e.obj.created));
  }),
  route('GET', '/v1/charges/:id', {}, (req) => req.ctx.render(mustGet(req, 'charge', req.path.id as string, 'charge'))),
  route('GET', '/v1/charges', { ...LIST, customer: string(), payment_intent: string(), created: range() }, (req) => {
    const { customer, payment_intent: pi } = req.params;
    const store = req.rt.store;
    const candidates = pi
      ? store.byIndex('charge', req.account, 'payment_intent', pi)
      : customer
        ? store.byIndex('charge', req.account, 'customer', customer)
        : store.all('charge', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/charges', (e) => created(e.obj.created) && (!customer || e.obj.customer === customer));
  }),
];
