/**
 * Stripe's test payment methods and what each one does, the concrete card payment
 * methods (`pm_…`) made from them, and attaching/detaching them to customers.
 * Using a test id such as `pm_card_visa` makes a new payment method each time, as
 * Stripe does; its card's last4 decides how charges on it behave.
 */
import type Stripe from 'stripe';
import { cardDeclined, invalidRequest, resourceMissing } from '../core/errors.ts';
import { hashId } from '../core/ids.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';

export type CardBehavior =
  /** charges succeed */
  | 'succeed'
  /** declined when attached or charged (4000000000000002) */
  | 'decline'
  /** attaches, then every charge fails (4000000000000341) */
  | 'charge_fail'
  /** charge succeeds, then a dispute opens (4000000000000259) */
  | 'dispute'
  /** charge succeeds, then an early fraud warning is created (4000000000005423) */
  | 'early_fraud_warning';

export interface TestCard {
  token: string;
  aliases?: string[];
  brand: string;
  last4: string;
  behavior: CardBehavior;
  declineCode?: string;
  label: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  { token: 'pm_card_visa', brand: 'visa', last4: '4242', behavior: 'succeed', label: 'Visa — payment succeeds' },
  { token: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', behavior: 'succeed', label: 'Mastercard — payment succeeds' },
  { token: 'pm_card_amex', brand: 'amex', last4: '8431', behavior: 'succeed', label: 'American Express — payment succeeds' },
  { token: 'pm_card_visa_chargeDeclined', aliases: ['pm_card_chargeDeclined'], brand: 'visa', last4: '0002', behavior: 'decline', declineCode: 'generic_decline', label: 'Visa — declined' },
  { token: 'pm_card_chargeDeclinedInsufficientFunds', aliases: ['pm_card_visa_chargeDeclinedInsufficientFunds'], brand: 'visa', last4: '9995', behavior: 'decline', declineCode: 'insufficient_funds', label: 'Visa — declined, insufficient funds' },
  { token: 'pm_card_chargeCustomerFail', brand: 'visa', last4: '0341', behavior: 'charge_fail', declineCode: 'generic_decline', label: 'Visa — attaches, every charge fails' },
  { token: 'pm_card_createDispute', brand: 'visa', last4: '0259', behavior: 'dispute', label: 'Visa — succeeds, then a dispute opens' },
  { token: 'pm_card_createIssuerFraudRecord', brand: 'visa', last4: '5423', behavior: 'early_fraud_warning', label: 'Visa — succeeds, then an early fraud warning' },
];

const BY_TOKEN = new Map<string, TestCard>();
for (const card of TEST_CARDS) {
  BY_TOKEN.set(card.token, card);
  for (const alias of card.aliases ?? []) BY_TOKEN.set(alias, card);
}
const BY_LAST4 = new Map(TEST_CARDS.map((c) => [c.last4, c]));

export function testCard(token: string): TestCard | undefined {
  return BY_TOKEN.get(token);
}

/** How charges on this payment method behave. */
export function behaviorOf(pm: Stripe.PaymentMethod): TestCard {
  return BY_LAST4.get(pm.card?.last4 ?? '') ?? (TEST_CARDS[0] as TestCard);
}

export function declineMessage(code: string): string {
  return code === 'insufficient_funds' ? 'Your card has insufficient funds.' : 'Your card was declined.';
}

function buildPaymentMethod(ctx: Ctx, card: TestCard): Stripe.PaymentMethod {
  const year = new Date(ctx.now * 1000).getUTCFullYear();
  return {
    id: ctx.id('paymentMethod'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: year + 3,
      fingerprint: hashId('', `${ctx.account}:${card.last4}`, 16),
      funding: 'credit',
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: ctx.now,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

/** A new, unattached payment method for a test card. */
export function createFromTestCard(ctx: Ctx, card: TestCard): Entry<'payment_method'> {
  return ctx.insert('payment_method', buildPaymentMethod(ctx, card));
}

/** A payment method by id, or a fresh one when given a test id (`pm_card_visa`). */
export function resolvePaymentMethod(ctx: Ctx, id: string, param = 'payment_method'): Entry<'payment_method'> {
  const card = testCard(id);
  if (card) return createFromTestCard(ctx, card);
  const entry = ctx.get('payment_method', id);
  if (!entry) throw resourceMissing('PaymentMethod', id, param);
  return entry;
}

/** Check without side effects that a payment method id or test id exists. */
export function paymentMethodExists(ctx: Ctx, id: string): boolean {
  return testCard(id) !== undefined || ctx.get('payment_method', id) !== undefined;
}

export function customerIdOf(pm: Stripe.PaymentMethod): string | null {
  return typeof pm.customer === 'string' ? pm.customer : (pm.customer?.id ?? null);
}

/** Throw what Stripe answers when this payment method cannot be attached (declined card, already attached). */
export function assertAttachable(pm: Entry<'payment_method'>): void {
  if (customerIdOf(pm.obj)) throw invalidRequest('The payment method you provided has already been attached to a customer.', { param: 'payment_method', code: 'payment_method_unexpected_state' });
  const card = behaviorOf(pm.obj);
  if (card.behavior === 'decline') {
    const code = card.declineCode ?? 'generic_decline';
    throw cardDeclined({ declineCode: code, message: declineMessage(code) });
  }
}

/** Attach to a customer (`payment_method.attached`); a declining card is refused with a 402. */
export function attachPaymentMethod(ctx: Ctx, pm: Entry<'payment_method'>, customerId: string): Entry<'payment_method'> {
  if (customerIdOf(pm.obj) === customerId) return pm;
  assertAttachable(pm);
  ctx.update(pm, (o) => {
    o.customer = customerId;
  });
  ctx.emit('payment_method.attached', pm);
  return pm;
}

export function detachPaymentMethod(ctx: Ctx, pm: Entry<'payment_method'>): void {
  const customerId = customerIdOf(pm.obj);
  if (!customerId) throw invalidRequest('The payment method you provided is not attached to a customer so detachment is impossible.', { param: 'payment_method', code: 'payment_method_unexpected_state' });
  ctx.update(pm, (o) => {
    o.customer = null;
  }, 'payment_method.detached');
  const customer = ctx.get('customer', customerId);
  if (customer && customer.obj.invoice_settings.default_payment_method === pm.id) {
    ctx.update(customer, (c) => {
      c.invoice_settings.default_payment_method = null;
    }, 'customer.updated');
  }
}

/** The payment method must belong to the customer, as Stripe requires for defaults. */
export function requireAttached(ctx: Ctx, pmId: string, customerId: string, param: string): Entry<'payment_method'> {
  const pm = ctx.get('payment_method', pmId);
  if (!pm || customerIdOf(pm.obj) !== customerId) {
    throw invalidRequest(`The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`, { param, code: 'resource_missing' });
  }
  return pm;
}
