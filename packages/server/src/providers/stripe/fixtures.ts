/**
 * Test fixtures: Stripe-shaped objects and events typed with the SDK's own
 * types (only the fields Tollgate reads are filled in; the rest of each type
 * is left out on purpose), and signed webhook deliveries. Used by tests and
 * benchmarks, never by the server.
 */
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { signStripePayload } from './webhook.ts';

let counter = 0;
function id(prefix: string): string {
  counter += 1;
  return `${prefix}_${randomBytes(6).toString('hex')}${counter}`;
}

/** Seconds since the epoch of an ISO date. */
export function unix(iso: string): number {
  return Math.floor(new Date(iso).getTime() / 1000);
}

function shape<T>(fields: Partial<T> & Record<string, unknown>): T {
  return fields as unknown as T;
}

/** An object of any shape, typed as T (fixtures fill in only what Tollgate reads). */
function loose<T>(fields: Record<string, unknown>): T {
  return fields as unknown as T;
}

export function customer(fields: Partial<Stripe.Customer> = {}): Stripe.Customer {
  return shape<Stripe.Customer>({
    id: id('cus'),
    object: 'customer',
    email: 'jane@example.test',
    name: 'Jane',
    metadata: {},
    created: unix('2026-01-01T00:00:00Z'),
    invoice_settings: { default_payment_method: null, custom_fields: null, footer: null, rendering_options: null },
    livemode: false,
    ...fields,
  });
}

export function deletedCustomer(customerId: string): Stripe.DeletedCustomer {
  return { id: customerId, object: 'customer', deleted: true };
}

export function price(fields: Partial<Stripe.Price> = {}): Stripe.Price {
  return shape<Stripe.Price>({ id: id('price'), object: 'price', product: id('prod'), currency: 'usd', unit_amount: 1000, recurring: null, ...fields });
}

export function subscriptionItem(fields: Partial<Stripe.SubscriptionItem> = {}): Stripe.SubscriptionItem {
  return shape<Stripe.SubscriptionItem>({
    id: id('si'),
    object: 'subscription_item',
    price: price(),
    quantity: 1,
    current_period_start: unix('2026-01-01T00:00:00Z'),
    current_period_end: unix('2026-02-01T00:00:00Z'),
    subscription: 'sub_x',
    ...fields,
  });
}

export function subscription(fields: Omit<Partial<Stripe.Subscription>, 'items'> & { items?: Stripe.SubscriptionItem[] | Stripe.ApiList<Stripe.SubscriptionItem> } = {}): Stripe.Subscription {
  const subId = fields.id ?? id('sub');
  const items = fields.items ?? [subscriptionItem({ subscription: subId })];
  const list = Array.isArray(items) ? { object: 'list' as const, data: items, has_more: false, url: `/v1/subscription_items?subscription=${subId}` } : items;
  return shape<Stripe.Subscription>({
    object: 'subscription',
    customer: 'cus_x',
    status: 'active',
    cancel_at_period_end: false,
    cancel_at: null,
    canceled_at: null,
    ended_at: null,
    trial_start: null,
    trial_end: null,
    start_date: unix('2026-01-01T00:00:00Z'),
    created: unix('2026-01-01T00:00:00Z'),
    latest_invoice: null,
    default_payment_method: null,
    metadata: {},
    livemode: false,
    ...fields,
    id: subId,
    items: list,
  });
}

export function invoice(fields: Partial<Stripe.Invoice> & { subscription?: string | null } = {}): Stripe.Invoice {
  const { subscription: subId, ...rest } = fields;
  return shape<Stripe.Invoice>({
    id: id('in'),
    object: 'invoice',
    customer: 'cus_x',
    status: 'open',
    billing_reason: 'subscription_cycle',
    number: 'TG-0001',
    currency: 'usd',
    amount_due: 1000,
    amount_paid: 0,
    amount_remaining: 1000,
    total: 1000,
    period_start: unix('2026-01-01T00:00:00Z'),
    period_end: unix('2026-02-01T00:00:00Z'),
    hosted_invoice_url: 'https://invoice.example.test/i/1',
    attempt_count: 0,
    next_payment_attempt: null,
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    created: unix('2026-01-01T00:00:00Z'),
    parent: subId
      ? { type: 'subscription_details', quote_details: null, subscription_details: { subscription: subId, metadata: {} } }
      : null,
    livemode: false,
    ...rest,
  });
}

export function charge(fields: Partial<Stripe.Charge> = {}): Stripe.Charge {
  return shape<Stripe.Charge>({
    id: id('ch'),
    object: 'charge',
    amount: 1000,
    amount_captured: 1000,
    amount_refunded: 0,
    currency: 'usd',
    customer: 'cus_x',
    payment_intent: 'pi_x',
    status: 'succeeded',
    paid: true,
    refunded: false,
    disputed: false,
    failure_code: null,
    failure_message: null,
    payment_method: 'pm_x',
    payment_method_details: shape<Stripe.Charge.PaymentMethodDetails>({ type: 'card', card: shape<Stripe.Charge.PaymentMethodDetails.Card>({ brand: 'visa', last4: '4242' }) }),
    created: unix('2026-01-01T00:00:00Z'),
    livemode: false,
    ...fields,
  });
}

export function paymentMethod(fields: Partial<Stripe.PaymentMethod> = {}): Stripe.PaymentMethod {
  return shape<Stripe.PaymentMethod>({
    id: id('pm'),
    object: 'payment_method',
    type: 'card',
    customer: 'cus_x',
    created: unix('2026-01-01T00:00:00Z'),
    livemode: false,
    billing_details: { name: 'Jane Doe', email: 'jane@example.test', phone: '+15555550100', address: null, tax_id: null },
    card: shape<Stripe.PaymentMethod.Card>({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2029, fingerprint: 'fp_secret_ish', country: 'US' }),
    ...fields,
  });
}

export function checkoutSession(fields: Partial<Stripe.Checkout.Session> = {}): Stripe.Checkout.Session {
  return shape<Stripe.Checkout.Session>({
    id: id('cs_test'),
    object: 'checkout.session',
    mode: 'subscription',
    status: 'complete',
    payment_status: 'paid',
    customer: 'cus_x',
    subscription: 'sub_x',
    payment_intent: null,
    invoice: null,
    client_reference_id: 'user_42',
    customer_email: null,
    customer_details: shape<Stripe.Checkout.Session.CustomerDetails>({ email: 'jane@example.test' }),
    metadata: { plan: 'pro' },
    amount_total: 1000,
    currency: 'usd',
    expires_at: unix('2026-01-02T00:00:00Z'),
    created: unix('2026-01-01T00:00:00Z'),
    livemode: false,
    ...fields,
  });
}

export function dispute(fields: Partial<Stripe.Dispute> = {}): Stripe.Dispute {
  return shape<Stripe.Dispute>({
    id: id('dp'),
    object: 'dispute',
    amount: 1000,
    currency: 'usd',
    charge: 'ch_x',
    payment_intent: 'pi_x',
    reason: 'fraudulent',
    status: 'needs_response',
    evidence_details: shape<Stripe.Dispute.EvidenceDetails>({ due_by: unix('2026-01-08T00:00:00Z'), has_evidence: false, past_due: false, submission_count: 0 }),
    created: unix('2026-01-01T00:00:00Z'),
    livemode: false,
    ...fields,
  });
}

export function earlyFraudWarning(fields: Partial<Stripe.Radar.EarlyFraudWarning> = {}): Stripe.Radar.EarlyFraudWarning {
  return shape<Stripe.Radar.EarlyFraudWarning>({
    id: id('issfr'),
    object: 'radar.early_fraud_warning',
    actionable: true,
    charge: 'ch_x',
    fraud_type: 'made_with_stolen_card',
    created: unix('2026-01-01T00:00:00Z'),
    livemode: false,
    ...fields,
  });
}

/** A Stripe event wrapping `object`, as delivered to a webhook endpoint. */
export function event(type: Stripe.Event.Type | (string & {}), object: object, fields: Partial<Omit<Stripe.Event, 'type' | 'data'>> = {}): Stripe.Event {
  return loose<Stripe.Event>({
    id: id('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: unix('2026-01-01T00:00:00Z'),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    ...fields,
  });
}

/** A fresh webhook signing secret (never a literal in the repository). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/** The body and headers of a signed delivery of `payload`. */
export function signedDelivery(payload: object | string, secret: string, options: { timestamp?: number } = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signStripePayload(body, secret, options.timestamp) },
  };
}
