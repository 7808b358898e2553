/**
 * Invoices: built for a subscription period, finalized (numbered, hosted URL),
 * paid through a payment intent (one `invoice_payment` per invoice, includable as
 * `payments`), retried on a schedule after a failed renewal, voided or marked
 * uncollectible. Events: invoice.created (draft) → invoice.finalized → payment
 * events → invoice.paid + invoice.payment_succeeded, or invoice.payment_failed.
 */
import type Stripe from 'stripe';
import { DAY } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import { decimal } from '../core/money.ts';
import { rebase, registerIncludable, registerRenderer } from '../core/render.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { confirmPaymentIntent, createPaymentIntent } from './payments.ts';

export interface InvoiceLineInput {
  price: Stripe.Price;
  quantity: number;
  subscriptionItem: string;
  period: { start: number; end: number };
  /** Bill nothing for this line (a trial). */
  free?: boolean;
}

function lineDescription(ctx: Ctx, line: InvoiceLineInput): string {
  const productId = line.price.product as string;
  const name = ctx.get('product', productId)?.obj.name ?? productId;
  if (line.free) return `Trial period for ${name}`;
  const amount = ((line.price.unit_amount ?? 0) / 100).toFixed(2);
  const every = line.price.recurring ? ` / ${line.price.recurring.interval_count > 1 ? `${line.price.recurring.interval_count} ` : ''}${line.price.recurring.interval}` : '';
  return `${line.quantity} × ${name} (at ${amount} ${line.price.currency.toUpperCase()}${every})`;
}

function buildLine(ctx: Ctx, invoiceId: string, subscriptionId: string, line: InvoiceLineInput): Stripe.InvoiceLineItem {
  const amount = line.free ? 0 : (line.price.unit_amount ?? 0) * line.quantity;
  return {
    id: ctx.id('invoiceLine'),
    object: 'line_item',
    amount,
    currency: line.price.currency,
    description: lineDescription(ctx, line),
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: subscriptionId, subscription_item: line.subscriptionItem },
      type: 'subscription_item_details',
    },
    period: line.period,
    pretax_credit_amounts: [],
    pricing: { price_details: { price: line.price.id, product: line.price.product as string }, type: 'price_details', unit_amount_decimal: decimal(line.free ? 0 : (line.price.unit_amount ?? 0)) },
    quantity: line.quantity,
    quantity_decimal: decimal(line.quantity),
    subscription: subscriptionId,
    subtotal: amount,
    taxes: [],
  };
}

export interface NewInvoice {
  customer: Entry<'customer'>;
  subscription: Stripe.Subscription;
  reason: Stripe.Invoice.BillingReason;
  period: { start: number; end: number };
  lines: InvoiceLineInput[];
}

/** A draft invoice for a subscription (`invoice.created`). */
export function createSubscriptionInvoice(ctx: Ctx, input: NewInvoice): Entry<'invoice'> {
  const id = ctx.id('invoice');
  const sub = input.subscription;
  const lines = input.lines.map((l) => buildLine(ctx, id, sub.id, l));
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  const c = input.customer.obj;
  const account = ctx.rt.accounts.get(ctx.account)?.account;
  const invoice: Stripe.Invoice = {
    id,
    object: 'invoice',
    account_country: account?.country ?? 'US',
    account_name: account?.business_profile?.name ?? null,
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.reason,
    collection_method: sub.collection_method,
    created: ctx.now,
    currency: sub.currency,
    custom_fields: null,
    customer: c.id,
    customer_account: null,
    customer_address: c.address ?? null,
    customer_email: c.email,
    customer_name: c.name ?? null,
    customer_phone: c.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: c.tax_exempt ?? 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: sub.description,
    discounts: [],
    due_date: sub.collection_method === 'send_invoice' ? ctx.now + (sub.days_until_due ?? 30) * DAY : null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: { quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id }, type: 'subscription_details' },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.period.end,
    period_start: input.period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: (c.test_clock as string | null) ?? null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  const entry = ctx.insert('invoice', invoice);
  ctx.emit('invoice.created', entry);
  return entry;
}

function markPaid(ctx: Ctx, invoice: Entry<'invoice'>): void {
  ctx.update(invoice, (o) => {
    o.status = 'paid';
    o.amount_paid = o.amount_due;
    o.amount_remaining = 0;
    o.attempted = true;
    o.next_payment_attempt = null;
    o.status_transitions.paid_at = ctx.now;
  });
  ctx.emit('invoice.paid', invoice);
  ctx.emit('invoice.payment_succeeded', invoice);
}

/** Draft → open (numbered, hosted URL); a zero total is paid at once. */
export function finalizeInvoice(ctx: Ctx, invoice: Entry<'invoice'>): void {
  const customer = ctx.get('customer', invoice.obj.customer as string);
  const seq = customer?.obj.next_invoice_sequence ?? 1;
  if (customer) customer.obj.next_invoice_sequence = seq + 1;
  ctx.update(invoice, (o) => {
    o.status = 'open';
    o.number = `${customer?.obj.invoice_prefix ?? 'SANDBOX'}-${String(seq).padStart(4, '0')}`;
    o.status_transitions.finalized_at = ctx.now;
    o.effective_at = ctx.now;
    o.hosted_invoice_url = `${ctx.rt.baseUrl}/invoice/${o.id}`;
    o.invoice_pdf = `${ctx.rt.baseUrl}/invoice/${o.id}/pdf`;
    o.starting_balance = 0;
    o.ending_balance = 0;
    if (o.collection_method === 'charge_automatically' && o.amount_due > 0) o.next_payment_attempt = ctx.now;
  });
  ctx.emit('invoice.finalized', invoice);
  if (invoice.obj.amount_due === 0) markPaid(ctx, invoice);
}

/** The invoice's payment intent, created with its `invoice_payment` on first use. */
export function invoiceIntent(ctx: Ctx, invoice: Entry<'invoice'>): Entry<'payment_intent'> {
  const payment = ctx.store.byIndex('invoice_payment', ctx.account, 'invoice', invoice.id).find((p) => p.obj.is_default);
  const existing = payment?.obj.payment.payment_intent;
  if (existing) {
    const pi = ctx.get('payment_intent', existing as string);
    if (pi) return pi;
  }
  const inv = invoice.obj;
  const pi = createPaymentIntent(ctx, {
    amount: inv.amount_due,
    currency: inv.currency,
    customer: inv.customer as string,
    description: inv.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
  });
  const record: Stripe.InvoicePayment = {
    id: ctx.id('invoicePayment'),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: inv.amount_due,
    created: ctx.now,
    currency: inv.currency,
    invoice: inv.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: pi.id, type: 'payment_intent' },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
  ctx.insert('invoice_payment', record);
  return pi;
}

/** The payment method an invoice is charged with: the invoice's, the subscription's, the customer's default. */
export function invoicePaymentMethod(ctx: Ctx, invoice: Entry<'invoice'>): string | null {
  const inv = invoice.obj;
  if (inv.default_payment_method) return inv.default_payment_method as string;
  const subId = inv.parent?.subscription_details?.subscription as string | undefined;
  const sub = subId ? ctx.get('subscription', subId) : undefined;
  if (sub?.obj.default_payment_method) return sub.obj.default_payment_method as string;
  const customer = ctx.get('customer', inv.customer as string);
  return (customer?.obj.invoice_settings.default_payment_method as string | null) ?? null;
}

export interface PayResult {
  ok: boolean;
  error?: Error;
}

/** When to retry after this failure (Stripe's custom retry schedule), or null. */
function nextAttempt(ctx: Ctx, invoice: Entry<'invoice'>): number | null {
  const inv = invoice.obj;
  if (inv.billing_reason === 'subscription_create' || inv.collection_method !== 'charge_automatically') return null;
  const days = ctx.rt.settings.renewalRetryDays[invoice.meta.retries ?? 0];
  return days === undefined ? null : ctx.now + Math.round(days * DAY);
}

/** One payment attempt on an open invoice. */
export function payInvoice(ctx: Ctx, invoice: Entry<'invoice'>, paymentMethodId?: string | null): PayResult {
  const pmId = paymentMethodId ?? invoicePaymentMethod(ctx, invoice);
  const pm = pmId ? ctx.get('payment_method', pmId) : undefined;
  if (!pm) {
    ctx.update(invoice, (o) => {
      o.attempt_count += 1;
      o.attempted = true;
      o.next_payment_attempt = nextAttempt(ctx, invoice);
    });
    ctx.emit('invoice.payment_failed', invoice);
    return { ok: false, error: invalidRequest('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', { code: 'resource_missing' }) };
  }
  const pi = invoiceIntent(ctx, invoice);
  const result = confirmPaymentIntent(ctx, pi, pm);
  if (result.ok) {
    const payment = ctx.store.byIndex('invoice_payment', ctx.account, 'invoice', invoice.id).find((p) => p.obj.is_default);
    if (payment) {
      ctx.update(payment, (p) => {
        p.status = 'paid';
        p.amount_paid = invoice.obj.amount_due;
        p.status_transitions.paid_at = ctx.now;
      });
    }
    invoice.obj.attempt_count += 1;
    markPaid(ctx, invoice);
    return { ok: true };
  }
  ctx.update(invoice, (o) => {
    o.attempt_count += 1;
    o.attempted = true;
    o.next_payment_attempt = nextAttempt(ctx, invoice);
  });
  ctx.emit('invoice.payment_failed', invoice);
  return { ok: false, ...(result.error ? { error: result.error } : {}) };
}

/** Open or uncollectible → void (`invoice.voided`); its payment intent is canceled. */
export function voidInvoice(ctx: Ctx, invoice: Entry<'invoice'>): void {
  for (const payment of ctx.store.byIndex('invoice_payment', ctx.account, 'invoice', invoice.id)) {
    ctx.update(payment, (p) => {
      p.status = 'canceled';
      p.status_transitions.canceled_at = ctx.now;
    });
    const pi = ctx.get('payment_intent', payment.obj.payment.payment_intent as string);
    if (pi && pi.obj.status !== 'succeeded' && pi.obj.status !== 'canceled') {
      ctx.update(pi, (o) => {
        o.status = 'canceled';
        o.canceled_at = ctx.now;
        o.cancellation_reason = 'void_invoice';
      });
      ctx.emit('payment_intent.canceled', pi);
    }
  }
  ctx.update(invoice, (o) => {
    o.status = 'void';
    o.amount_remaining = 0;
    o.next_payment_attempt = null;
    o.status_transitions.voided_at = ctx.now;
  });
  ctx.emit('invoice.voided', invoice);
}

export function subscriptionIdOf(invoice: Stripe.Invoice): string | null {
  return (invoice.parent?.subscription_details?.subscription as string | undefined) ?? null;
}

registerRenderer('invoice', (entry, view) => {
  const o = entry.obj as Stripe.Invoice;
  return { ...o, hosted_invoice_url: rebase(o.hosted_invoice_url, view.baseUrl), invoice_pdf: rebase(o.invoice_pdf, view.baseUrl) } as unknown as Record<string, unknown>;
});

registerIncludable('invoice', 'payments', (invoice, view) => {
  const entries = view.store.byIndex('invoice_payment', view.account, 'invoice', String(invoice.id));
  return { object: 'list', data: [...entries].reverse().map((e) => view.render(e)), has_more: false, url: `/v1/invoices/${String(invoice.id)}/payments` };
});
