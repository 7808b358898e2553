/**
 * Stripe objects → the billing ledger's neutral records (`billing/records.ts`).
 * Pure functions over the SDK's types, unit-tested with SDK-typed fixtures;
 * `ledger.ts` reads the objects and calls these.
 */
import type Stripe from 'stripe';
import type {
  ChargeRecord,
  CheckoutSessionRecord,
  CustomerRecord,
  DisputeRecord,
  EarlyFraudWarningRecord,
  EntitlementSummaryRecord,
  InvoiceRecord,
  LedgerRecord,
  PaymentIntentRecord,
  PaymentMethodRecord,
  RefundRecord,
  SubscriptionItemRecord,
  SubscriptionRecord,
} from '../../billing/records.ts';

type Raw = Record<string, unknown>;

function time(seconds: number | null | undefined): Date | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
}

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

function raw(obj: object): Raw {
  return obj as unknown as Raw;
}

function meta(value: Stripe.Metadata | null | undefined): Record<string, string> {
  return { ...(value ?? {}) };
}

export function customerRecord(c: Stripe.Customer | Stripe.DeletedCustomer): CustomerRecord | LedgerRecord {
  if (c.deleted) return { kind: 'customer', stripeId: c.id, deleted: true };
  return {
    kind: 'customer',
    stripeId: c.id,
    deleted: false,
    email: c.email,
    name: c.name ?? null,
    metadata: meta(c.metadata),
    defaultPaymentMethod: idOf(c.invoice_settings?.default_payment_method),
    created: time(c.created),
    raw: raw(c),
  };
}

function itemRecord(item: Stripe.SubscriptionItem): SubscriptionItemRecord {
  return {
    stripeId: item.id,
    priceId: item.price?.id ?? null,
    productId: idOf(item.price?.product as string | { id: string } | null | undefined),
    quantity: item.quantity ?? null,
    currentPeriodStart: time(item.current_period_start),
    currentPeriodEnd: time(item.current_period_end),
    raw: raw(item),
  };
}

/** When the latest invoice's payment first failed, if it is still unpaid. */
function latestInvoiceFailedAt(latest: Stripe.Subscription['latest_invoice']): Date | null {
  if (!latest || typeof latest === 'string') return null;
  if (latest.status !== 'open' || (latest.attempt_count ?? 0) < 1) return null;
  // Stripe attempts the payment when it finalizes the invoice.
  return time(latest.status_transitions?.finalized_at ?? latest.created);
}

export function subscriptionRecord(s: Stripe.Subscription, allItems?: Stripe.SubscriptionItem[]): SubscriptionRecord {
  const items = (allItems ?? s.items?.data ?? []).map(itemRecord);
  const starts = items.map((i) => i.currentPeriodStart?.getTime()).filter((t): t is number => t !== undefined);
  const ends = items.map((i) => i.currentPeriodEnd?.getTime()).filter((t): t is number => t !== undefined);
  const stored = { ...raw(s), latest_invoice: idOf(s.latest_invoice) };
  return {
    kind: 'subscription',
    stripeId: s.id,
    deleted: false,
    customerId: idOf(s.customer),
    status: s.status,
    cancelAtPeriodEnd: s.cancel_at_period_end,
    cancelAt: time(s.cancel_at),
    currentPeriodStart: starts.length ? new Date(Math.min(...starts)) : null,
    currentPeriodEnd: ends.length ? new Date(Math.max(...ends)) : null,
    trialStart: time(s.trial_start),
    trialEnd: time(s.trial_end),
    canceledAt: time(s.canceled_at),
    endedAt: time(s.ended_at),
    startDate: time(s.start_date),
    created: time(s.created),
    latestInvoiceId: idOf(s.latest_invoice),
    latestInvoiceFailedAt: latestInvoiceFailedAt(s.latest_invoice),
    defaultPaymentMethod: idOf(s.default_payment_method),
    metadata: meta(s.metadata),
    items,
    raw: stored,
  };
}

export function invoiceRecord(i: Stripe.Invoice): InvoiceRecord {
  const payments = i.payments?.data ?? [];
  const intents = payments.map((p) => idOf(p.payment?.payment_intent)).filter((id): id is string => id !== null);
  return {
    kind: 'invoice',
    stripeId: i.id!,
    deleted: false,
    customerId: idOf(i.customer),
    subscriptionId: idOf(i.parent?.subscription_details?.subscription),
    status: i.status ?? null,
    billingReason: i.billing_reason ?? null,
    number: i.number ?? null,
    currency: i.currency,
    amountDue: i.amount_due,
    amountPaid: i.amount_paid,
    amountRemaining: i.amount_remaining,
    total: i.total,
    periodStart: time(i.period_start),
    periodEnd: time(i.period_end),
    hostedInvoiceUrl: i.hosted_invoice_url ?? null,
    attemptCount: i.attempt_count,
    nextPaymentAttempt: time(i.next_payment_attempt),
    finalizedAt: time(i.status_transitions?.finalized_at),
    paidAt: time(i.status_transitions?.paid_at),
    paymentIntentIds: intents,
    created: time(i.created),
    raw: raw(i),
  };
}

export function paymentIntentRecord(p: Stripe.PaymentIntent): PaymentIntentRecord {
  return {
    kind: 'payment_intent',
    stripeId: p.id,
    deleted: false,
    customerId: idOf(p.customer),
    status: p.status,
    amount: p.amount,
    amountReceived: p.amount_received,
    currency: p.currency,
    latestChargeId: idOf(p.latest_charge),
    paymentMethodId: idOf(p.payment_method),
    lastPaymentErrorCode: p.last_payment_error?.code ?? null,
    canceledAt: time(p.canceled_at),
    created: time(p.created),
    raw: raw(p),
  };
}

export function chargeRecord(c: Stripe.Charge): ChargeRecord {
  const card = c.payment_method_details?.card;
  return {
    kind: 'charge',
    stripeId: c.id,
    deleted: false,
    customerId: idOf(c.customer),
    paymentIntentId: idOf(c.payment_intent),
    status: c.status,
    amount: c.amount,
    amountCaptured: c.amount_captured,
    amountRefunded: c.amount_refunded,
    currency: c.currency,
    paid: c.paid,
    refunded: c.refunded,
    disputed: c.disputed,
    failureCode: c.failure_code,
    failureMessage: c.failure_message,
    paymentMethodId: c.payment_method,
    cardBrand: card?.brand ?? null,
    cardLast4: card?.last4 ?? null,
    created: time(c.created),
    raw: raw(c),
  };
}

export function refundRecord(r: Stripe.Refund): RefundRecord {
  return {
    kind: 'refund',
    stripeId: r.id,
    deleted: false,
    chargeId: idOf(r.charge),
    paymentIntentId: idOf(r.payment_intent),
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    failureReason: r.failure_reason ?? null,
    created: time(r.created),
    raw: raw(r),
  };
}

/** Keeps brand, last 4 and expiry only: no billing details, no fingerprint. */
export function paymentMethodRecord(pm: Stripe.PaymentMethod): PaymentMethodRecord {
  const card = pm.card ? { brand: pm.card.brand, last4: pm.card.last4, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year } : null;
  return {
    kind: 'payment_method',
    stripeId: pm.id,
    deleted: false,
    customerId: idOf(pm.customer),
    type: pm.type,
    brand: card?.brand ?? null,
    last4: card?.last4 ?? null,
    expMonth: card?.exp_month ?? null,
    expYear: card?.exp_year ?? null,
    created: time(pm.created),
    raw: { id: pm.id, object: 'payment_method', type: pm.type, customer: idOf(pm.customer), created: pm.created, livemode: pm.livemode, ...(card ? { card } : {}) },
  };
}

export function checkoutSessionRecord(s: Stripe.Checkout.Session): CheckoutSessionRecord {
  return {
    kind: 'checkout_session',
    stripeId: s.id,
    deleted: false,
    sessionMode: s.mode,
    status: s.status,
    paymentStatus: s.payment_status,
    customerId: idOf(s.customer),
    subscriptionId: idOf(s.subscription),
    paymentIntentId: idOf(s.payment_intent),
    invoiceId: idOf(s.invoice),
    clientReferenceId: s.client_reference_id,
    customerEmail: s.customer_details?.email ?? s.customer_email ?? null,
    metadata: meta(s.metadata),
    amountTotal: s.amount_total,
    currency: s.currency,
    expiresAt: time(s.expires_at),
    created: time(s.created),
    raw: raw(s),
  };
}

export function disputeRecord(d: Stripe.Dispute): DisputeRecord {
  return {
    kind: 'dispute',
    stripeId: d.id,
    deleted: false,
    chargeId: idOf(d.charge),
    paymentIntentId: idOf(d.payment_intent),
    amount: d.amount,
    currency: d.currency,
    reason: d.reason,
    status: d.status,
    evidenceDueBy: time(d.evidence_details?.due_by),
    created: time(d.created),
    raw: raw(d),
  };
}

export function earlyFraudWarningRecord(w: Stripe.Radar.EarlyFraudWarning): EarlyFraudWarningRecord {
  return {
    kind: 'early_fraud_warning',
    stripeId: w.id,
    deleted: false,
    chargeId: idOf(w.charge),
    paymentIntentId: idOf(w.payment_intent),
    fraudType: w.fraud_type,
    actionable: w.actionable,
    created: time(w.created),
    raw: raw(w),
  };
}

export function entitlementSummaryRecord(customer: string, active: Stripe.Entitlements.ActiveEntitlement[]): EntitlementSummaryRecord {
  return {
    kind: 'entitlement_summary',
    stripeId: customer,
    deleted: false,
    lookupKeys: active.map((e) => e.lookup_key).sort(),
    raw: { customer, entitlements: active.map((e) => ({ id: e.id, feature: idOf(e.feature), lookup_key: e.lookup_key })) },
  };
}
