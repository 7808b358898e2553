/**
 * Subscriptions: creation (first invoice and payment, or a trial), updates
 * (cancel at period end, price or quantity changes, metadata, default payment
 * method, ending a trial), cancellation, and how a payment outcome moves the status
 * (incomplete/past_due → active, active → past_due, retries exhausted → canceled or
 * unpaid). Current periods live on the items, as in today's API. The billing cycle
 * itself (renewals, trial ends, retries) is in `billing-cycle.ts`.
 */
import type Stripe from 'stripe';
import { addInterval } from '../core/clock.ts';
import { cardDeclined, invalidRequest } from '../core/errors.ts';
import { registerRenderer } from '../core/render.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { behaviorOf, declineMessage } from './cards.ts';
import { createSubscriptionInvoice, finalizeInvoice, invoiceIntent, payInvoice, subscriptionIdOf, voidInvoice, type InvoiceLineInput } from './invoices.ts';

export function planOf(price: Stripe.Price): Stripe.Plan {
  const r = price.recurring;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: r?.interval ?? 'month',
    interval_count: r?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: r?.meter ?? null,
    nickname: price.nickname,
    product: price.product as string,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: r?.trial_period_days ?? null,
    usage_type: r?.usage_type ?? 'licensed',
  };
}

registerRenderer('subscription', (entry, view) => {
  const sub = entry.obj as Stripe.Subscription;
  const data = sub.items.data.map((item) => {
    const price = view.store.get('price', view.account, item.price.id)?.obj ?? item.price;
    return { ...item, price, plan: planOf(price) };
  });
  return { ...sub, items: { ...sub.items, data } } as unknown as Record<string, unknown>;
});

/** Cancellation details with every field present, `patch` applied (undefined leaves a field as it was). */
export function withCancellation(
  current: Stripe.Subscription.CancellationDetails | null,
  patch: { comment?: string | null | undefined; feedback?: Stripe.Subscription.CancellationDetails.Feedback | null | undefined; reason?: Stripe.Subscription.CancellationDetails.Reason | null | undefined },
): Stripe.Subscription.CancellationDetails {
  const out: Stripe.Subscription.CancellationDetails = { comment: null, feedback: null, feedback_option: null, reason: null, ...current };
  if (patch.comment !== undefined) out.comment = patch.comment;
  if (patch.feedback !== undefined) out.feedback = patch.feedback;
  if (patch.reason !== undefined) out.reason = patch.reason;
  return out;
}

export interface NewItem {
  price: Entry<'price'>;
  quantity: number;
  metadata?: Record<string, string> | null;
}

export interface NewSubscription {
  customer: Entry<'customer'>;
  items: NewItem[];
  defaultPaymentMethod: string | null;
  trialEnd: number | null;
  metadata: Record<string, string>;
  description: string | null;
  cancelAtPeriodEnd: boolean;
  paymentBehavior: 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  missingPaymentMethod: 'cancel' | 'create_invoice' | 'pause';
  /** Checkout announces the subscription as incomplete, then updates it to active once paid. */
  announceIncomplete: boolean;
}

export function periodOf(sub: Stripe.Subscription): { start: number; end: number } {
  const item = sub.items.data[0];
  return { start: item?.current_period_start ?? sub.start_date, end: item?.current_period_end ?? sub.start_date };
}

export function setPeriod(sub: Stripe.Subscription, start: number, end: number): void {
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
}

function recurringOf(sub: Stripe.Subscription): Stripe.Price.Recurring {
  const r = sub.items.data[0]?.price.recurring;
  if (!r) throw new Error(`subscription ${sub.id} has no recurring price`);
  return r;
}

/** The end of the period that starts at `start`, counted from the billing cycle anchor. */
export function periodEndAfter(sub: Stripe.Subscription, start: number): number {
  const r = recurringOf(sub);
  for (let k = 1; k < 100_000; k++) {
    const end = addInterval(sub.billing_cycle_anchor, r.interval, r.interval_count, k);
    if (end > start) return end;
  }
  return addInterval(start, r.interval, r.interval_count);
}

/**
 * Prices on one subscription must be recurring and share currency and interval; the
 * ones being added must also be active (an item keeps an archived price it already has).
 */
export function checkItemPrices(prices: Stripe.Price[], param: (i: number) => string, adding: (i: number) => boolean = () => true): void {
  const first = prices[0];
  prices.forEach((p, i) => {
    if (!p.active && adding(i)) throw invalidRequest('The price specified is inactive. This field only accepts active prices.', { param: param(i) });
    if (!p.recurring) throw invalidRequest('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', { param: param(i) });
    if (first && (p.currency !== first.currency || p.recurring.interval !== first.recurring?.interval || p.recurring.interval_count !== first.recurring?.interval_count)) {
      throw invalidRequest('Currency and interval fields must match across all plans on this subscription.', { param: param(i) });
    }
  });
}

export function buildItem(ctx: Ctx, subscriptionId: string, item: NewItem, period: { start: number; end: number }): Stripe.SubscriptionItem {
  return {
    id: ctx.id('subscriptionItem'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: ctx.now,
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: { ...(item.metadata ?? {}) },
    plan: planOf(item.price.obj),
    price: item.price.obj,
    quantity: item.quantity,
    subscription: subscriptionId,
    tax_rates: [],
  };
}

export function lineInputs(sub: Stripe.Subscription, period: { start: number; end: number }, free = false): InvoiceLineInput[] {
  return sub.items.data.map((i) => ({ price: i.price, quantity: i.quantity ?? 1, subscriptionItem: i.id, period, free }));
}

export function createSubscription(ctx: Ctx, input: NewSubscription): { sub: Entry<'subscription'>; error?: Error } {
  const id = ctx.id('subscription');
  const now = ctx.now;
  const trialing = input.trialEnd !== null && input.trialEnd > now;
  const firstPrice = input.items[0]?.price.obj as Stripe.Price;
  const r = firstPrice.recurring as Stripe.Price.Recurring;
  const periodEnd = trialing ? (input.trialEnd as number) : addInterval(now, r.interval, r.interval_count);
  const period = { start: now, end: periodEnd };
  const automatic = input.collectionMethod === 'charge_automatically';
  const pmId = input.defaultPaymentMethod ?? (input.customer.obj.invoice_settings.default_payment_method as string | null);
  const amount = input.items.reduce((s, i) => s + (i.price.obj.unit_amount ?? 0) * i.quantity, 0);
  const chargeNow = !trialing && automatic && amount > 0;
  if (chargeNow && !pmId && input.paymentBehavior !== 'default_incomplete') {
    throw invalidRequest('This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.', { code: 'resource_missing' });
  }
  if (chargeNow && pmId && input.paymentBehavior === 'error_if_incomplete') {
    const pm = ctx.get('payment_method', pmId);
    const card = pm ? behaviorOf(pm.obj) : undefined;
    if (card && (card.behavior === 'decline' || card.behavior === 'charge_fail')) {
      const code = card.declineCode ?? 'generic_decline';
      throw cardDeclined({ declineCode: code, message: declineMessage(code) });
    }
  }
  const subscription: Stripe.Subscription = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialing ? periodEnd : now,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: input.cancelAtPeriodEnd ? periodEnd : null,
    cancel_at_period_end: input.cancelAtPeriodEnd,
    canceled_at: input.cancelAtPeriodEnd ? now : null,
    cancellation_details: withCancellation(null, { reason: input.cancelAtPeriodEnd ? 'cancellation_requested' : null }),
    collection_method: input.collectionMethod,
    created: now,
    currency: firstPrice.currency,
    customer: input.customer.id,
    customer_account: null,
    days_until_due: input.collectionMethod === 'send_invoice' ? (input.daysUntilDue ?? 30) : null,
    default_payment_method: input.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: input.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialing ? 'trialing' : automatic ? 'incomplete' : 'active',
    test_clock: (input.customer.obj.test_clock as string | null) ?? null,
    transfer_data: null,
    trial_end: trialing ? input.trialEnd : null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: input.missingPaymentMethod } },
    trial_start: trialing ? now : null,
  };
  subscription.items.data = input.items.map((item) => buildItem(ctx, id, item, period));
  const sub = ctx.insert('subscription', subscription);
  const slot = input.announceIncomplete ? -1 : ctx.reserve();
  if (input.announceIncomplete) ctx.emit('customer.subscription.created', sub);

  const invoice = createSubscriptionInvoice(ctx, { customer: input.customer, subscription: sub.obj, reason: 'subscription_create', period: { start: now, end: now }, lines: lineInputs(sub.obj, period, trialing) });
  sub.obj.latest_invoice = invoice.id;
  ctx.store.save(sub);
  finalizeInvoice(ctx, invoice);
  let error: Error | undefined;
  if (chargeNow) {
    if (input.paymentBehavior === 'default_incomplete' || !pmId) {
      invoiceIntent(ctx, invoice);
    } else {
      const result = payInvoice(ctx, invoice, pmId);
      error = result.error;
    }
  }
  const paid = invoice.obj.status === 'paid';
  const status: Stripe.Subscription.Status = trialing ? 'trialing' : paid || !automatic ? 'active' : 'incomplete';
  if (input.announceIncomplete) {
    ctx.update(sub, (s) => {
      s.status = status;
    }, 'customer.subscription.updated');
  } else {
    sub.obj.status = status;
    ctx.store.save(sub);
    ctx.fill(slot, 'customer.subscription.created', sub);
  }
  return { sub, ...(error && status === 'incomplete' ? { error } : {}) };
}

/** End a subscription now (`customer.subscription.deleted`). */
export function cancelSubscriptionNow(ctx: Ctx, sub: Entry<'subscription'>, reason: Stripe.Subscription.CancellationDetails.Reason, comment?: string | null): void {
  const wasIncomplete = sub.obj.status === 'incomplete';
  ctx.update(sub, (s) => {
    s.status = 'canceled';
    s.canceled_at = s.canceled_at ?? ctx.now;
    s.ended_at = ctx.now;
    s.cancel_at = null;
    s.cancellation_details = withCancellation(s.cancellation_details, { reason, comment });
  });
  if (wasIncomplete && sub.obj.latest_invoice) {
    const invoice = ctx.get('invoice', sub.obj.latest_invoice as string);
    if (invoice && invoice.obj.status === 'open') voidInvoice(ctx, invoice);
  }
  ctx.emit('customer.subscription.deleted', sub);
}

/** Move the subscription's status after a payment attempt on one of its invoices. */
export function afterInvoicePayment(ctx: Ctx, invoice: Entry<'invoice'>, ok: boolean): void {
  const subId = subscriptionIdOf(invoice.obj);
  const sub = subId ? ctx.get('subscription', subId) : undefined;
  if (!sub || sub.obj.latest_invoice !== invoice.id) return;
  const status = sub.obj.status;
  if (ok) {
    if (status === 'incomplete' || status === 'past_due' || status === 'unpaid') {
      ctx.update(sub, (s) => {
        s.status = 'active';
      }, 'customer.subscription.updated');
    }
    return;
  }
  if (invoice.obj.billing_reason === 'subscription_create') return;
  if (invoice.obj.next_payment_attempt === null && (status === 'past_due' || status === 'active')) {
    if (ctx.rt.settings.onRetriesExhausted === 'unpaid') {
      ctx.update(sub, (s) => {
        s.status = 'unpaid';
      }, 'customer.subscription.updated');
    } else {
      cancelSubscriptionNow(ctx, sub, 'payment_failed');
    }
    return;
  }
  if (status === 'active' || status === 'trialing') {
    ctx.update(sub, (s) => {
      s.status = 'past_due';
    }, 'customer.subscription.updated');
  }
}

