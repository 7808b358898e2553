/**
 * Checkout Sessions: create (subscription or payment mode), retrieve, list, line
 * items, expire; and completing one from the hosted page, which creates what Stripe
 * creates — the customer (unless given), the card payment method attached to it, the
 * subscription with its first invoice, payment intent and charge (or, in payment
 * mode, the payment intent and charge) — then `checkout.session.completed`.
 */
import type Stripe from 'stripe';
import { DAY } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import { rebase, registerIncludable, registerRenderer } from '../core/render.ts';
import type { Ctx, Runtime } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { attachPaymentMethod, createFromTestCard, declineMessage, testCard } from './cards.ts';
import { createCustomer } from './customers.ts';
import { confirmPaymentIntent, createPaymentIntent } from './payments.ts';
import { checkItemPrices, createSubscription } from './subscriptions.ts';

export interface SessionExtras {
  trialPeriodDays: number | null;
  trialEnd: number | null;
  subscriptionMetadata: Record<string, string>;
  subscriptionDescription: string | null;
  missingPaymentMethod: 'cancel' | 'create_invoice' | 'pause';
  paymentIntentMetadata: Record<string, string>;
  paymentIntentDescription: string | null;
  saveCard: boolean;
}

/** Stripe never shows `line_items` unless asked; the sandbox keeps the session's extras beside it. */
type StoredSession = Stripe.Checkout.Session & { line_items: Stripe.ApiList<Stripe.LineItem> };

registerRenderer('checkout.session', (entry, view) => {
  const { line_items: _omit, ...rest } = entry.obj as StoredSession;
  return { ...rest, url: rebase(rest.url, view.baseUrl) } as unknown as Record<string, unknown>;
});

registerIncludable('checkout.session', 'line_items', (session, view) => {
  const entry = view.store.get('checkout.session', view.account, String(session.id));
  return entry ? (entry.obj as StoredSession).line_items : { object: 'list', data: [], has_more: false, url: `/v1/checkout/sessions/${String(session.id)}/line_items` };
});

const NO_EXTRAS: SessionExtras = {
  trialPeriodDays: null, trialEnd: null, subscriptionMetadata: {}, subscriptionDescription: null, missingPaymentMethod: 'create_invoice',
  paymentIntentMetadata: {}, paymentIntentDescription: null, saveCard: false,
};

export function extrasOf(session: Entry<'checkout.session'>): SessionExtras {
  return { ...NO_EXTRAS, ...(session.meta.sessionOptions as Partial<SessionExtras> | undefined) };
}

export interface LineInput {
  price: Entry<'price'>;
  quantity: number;
}

export function buildLineItem(ctx: Ctx, line: LineInput): Stripe.LineItem {
  const price = line.price.obj;
  const amount = (price.unit_amount ?? 0) * line.quantity;
  const product = ctx.get('product', price.product as string);
  return {
    id: ctx.id('lineItem'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: product?.obj.name ?? null,
    discounts: [],
    metadata: {},
    price: { ...price },
    quantity: line.quantity,
    taxes: [],
  };
}

export interface NewSession {
  mode: 'payment' | 'subscription';
  lines: LineInput[];
  customer: Entry<'customer'> | null;
  customerEmail: string | null;
  customerCreation: 'always' | 'if_required' | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: number | null;
  locale: Stripe.Checkout.Session.Locale | null;
  extras: SessionExtras;
}

/** Line items must fit the mode and share a currency; `inline` prices (from `price_data`) may be inactive, as Stripe makes them. */
export function checkLines(mode: 'payment' | 'subscription', lines: LineInput[], inline: ReadonlySet<string> = new Set()): void {
  const prices = lines.map((l) => l.price.obj);
  const currency = prices[0]?.currency;
  prices.forEach((p, i) => {
    if (!p.active && !inline.has(p.id)) throw invalidRequest('The price specified is inactive. This field only accepts active prices.', { param: `line_items[${i}][price]` });
    if (p.currency !== currency) throw invalidRequest('All prices must use the same currency.', { param: `line_items[${i}][price]` });
    if (mode === 'payment' && p.recurring) throw invalidRequest('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', { param: `line_items[${i}][price]` });
    if (mode === 'subscription' && !p.recurring) throw invalidRequest('The Stripe sandbox supports only recurring prices in `subscription` mode (one-time items on the first invoice are not emulated).', { param: `line_items[${i}][price]` });
  });
  if (mode === 'subscription') checkItemPrices(prices, (i) => `line_items[${i}][price]`, (i) => !inline.has(prices[i]?.id ?? ''));
}

export function createSession(ctx: Ctx, input: NewSession): Entry<'checkout.session'> {
  const id = ctx.id('checkoutSession');
  const items = input.lines.map((l) => buildLineItem(ctx, l));
  const total = items.reduce((s, i) => s + i.amount_total, 0);
  const session: StoredSession = {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: ctx.now,
    currency: items[0]?.currency ?? null,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer?.id ?? null,
    customer_account: null,
    customer_creation: input.customer ? null : (input.customerCreation ?? (input.mode === 'subscription' ? 'always' : 'if_required')),
    customer_details: input.customer || input.customerEmail
      ? { address: null, business_name: null, email: input.customer?.obj.email ?? input.customerEmail, individual_name: null, name: input.customer?.obj.name ?? null, phone: null, tax_exempt: 'none', tax_ids: null }
      : null,
    customer_email: input.customerEmail,
    discounts: [],
    expires_at: input.expiresAt ?? ctx.now + DAY,
    integration_identifier: null,
    invoice: null,
    invoice_creation: input.mode === 'payment'
      ? { enabled: false, invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null } }
      : null,
    line_items: { object: 'list', data: items, has_more: false, url: `/v1/checkout/sessions/${id}/line_items` },
    livemode: false,
    locale: input.locale,
    managed_payments: null,
    metadata: input.metadata,
    mode: input.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: input.mode === 'subscription' ? 'always' : null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: `${ctx.rt.baseUrl}/checkout/${id}`,
    wallet_options: null,
  };
  const entry = ctx.insert('checkout.session', session);
  entry.meta.sessionOptions = { ...input.extras };
  return entry;
}

/** An open session past `expires_at` expires (`checkout.session.expired`). */
export function expireIfDue(ctx: Ctx, session: Entry<'checkout.session'>): void {
  if (session.obj.status === 'open' && session.obj.expires_at <= ctx.rt.clock.now()) expireSession(ctx, session);
}

/** Expire every open session past its `expires_at` (run as the sandbox clock moves). */
export function expireDueSessions(rt: Runtime): void {
  const now = rt.clock.now();
  for (const account of rt.store.accountsWith('checkout.session')) {
    const due = rt.store.byIndex('checkout.session', account, 'open', 'open').filter((s) => s.obj.expires_at <= now);
    if (due.length === 0) continue;
    const ctx = rt.ctx(account);
    for (const session of due) expireSession(ctx, session);
    ctx.commit();
  }
}

export function expireSession(ctx: Ctx, session: Entry<'checkout.session'>): void {
  ctx.update(session, (s) => {
    s.status = 'expired';
    s.url = null;
  });
  ctx.emit('checkout.session.expired', session);
}

export interface PayForm {
  paymentMethod: string;
  email: string | null;
  name: string | null;
}

export type PayOutcome = { ok: true; redirect: string | null } | { ok: false; status: number; message: string };

function linesOf(ctx: Ctx, session: Entry<'checkout.session'>): LineInput[] {
  return (session.obj as StoredSession).line_items.data.map((li) => {
    const price = ctx.get('price', (li.price as Stripe.Price).id);
    if (!price) throw invalidRequest(`No such price: '${(li.price as Stripe.Price).id}'`);
    return { price, quantity: li.quantity ?? 1 };
  });
}

/** Pay a session from the hosted page (or a form post); nothing is created when the card declines. */
export function completeSession(baseCtx: Ctx, session: Entry<'checkout.session'>, form: PayForm): PayOutcome {
  expireIfDue(baseCtx, session);
  if (session.obj.status !== 'open') return { ok: false, status: 400, message: `This Checkout Session is ${session.obj.status === 'complete' ? 'already complete' : 'expired'} and can no longer be paid.` };
  const card = testCard(form.paymentMethod);
  if (!card) return { ok: false, status: 400, message: `Unknown test payment method: ${form.paymentMethod}. Choose one of the test cards.` };
  const existing = session.obj.customer ? baseCtx.get('customer', session.obj.customer as string) ?? null : null;
  const email = existing?.obj.email ?? session.obj.customer_email ?? form.email;
  if (!existing && !email) return { ok: false, status: 400, message: 'Enter an email address.' };
  const extras = extrasOf(session);
  const lines = linesOf(baseCtx, session);
  const ctx = baseCtx.onClock(existing?.obj.test_clock as string | null);
  const trialEnd = extras.trialEnd ?? (extras.trialPeriodDays ? ctx.now + extras.trialPeriodDays * DAY : null);
  const dueNow = session.obj.mode === 'subscription' && trialEnd ? 0 : (session.obj.amount_total ?? 0);
  if (card.behavior === 'decline' || (card.behavior === 'charge_fail' && dueNow > 0)) {
    return { ok: false, status: 402, message: declineMessage(card.declineCode ?? 'generic_decline') };
  }

  const needsCustomer = session.obj.mode === 'subscription' || session.obj.customer_creation === 'always';
  const customer = existing ?? (needsCustomer ? createCustomer(ctx, { email, name: form.name }) : null);
  const pm = createFromTestCard(ctx, card);
  ctx.update(pm, (o) => {
    o.billing_details.email = email ?? null;
    o.billing_details.name = form.name;
  });
  const details: Stripe.Checkout.Session.CustomerDetails = { address: null, business_name: null, email: email ?? null, individual_name: null, name: form.name ?? customer?.obj.name ?? null, phone: null, tax_exempt: 'none', tax_ids: [] };

  if (session.obj.mode === 'subscription' && customer) {
    attachPaymentMethod(ctx, pm, customer.id);
    const { sub } = createSubscription(ctx, {
      customer,
      items: lines.map((l) => ({ price: l.price, quantity: l.quantity })),
      defaultPaymentMethod: pm.id,
      trialEnd,
      metadata: { ...extras.subscriptionMetadata },
      description: extras.subscriptionDescription,
      cancelAtPeriodEnd: false,
      paymentBehavior: 'allow_incomplete',
      collectionMethod: 'charge_automatically',
      daysUntilDue: null,
      missingPaymentMethod: extras.missingPaymentMethod,
      announceIncomplete: true,
    });
    ctx.update(session, (s) => {
      s.status = 'complete';
      s.payment_status = dueNow === 0 ? 'no_payment_required' : 'paid';
      s.customer = customer.id;
      s.subscription = sub.id;
      s.invoice = sub.obj.latest_invoice as string | null;
      s.customer_details = details;
      s.url = null;
    });
  } else {
    if (customer && extras.saveCard) attachPaymentMethod(ctx, pm, customer.id);
    const pi = createPaymentIntent(ctx, {
      amount: session.obj.amount_total ?? 0,
      currency: session.obj.currency ?? 'usd',
      customer: customer?.id ?? null,
      description: extras.paymentIntentDescription,
      metadata: extras.paymentIntentMetadata,
      paymentMethod: pm.id,
    });
    confirmPaymentIntent(ctx, pi, pm);
    ctx.update(session, (s) => {
      s.status = 'complete';
      s.payment_status = 'paid';
      s.customer = customer?.id ?? null;
      s.payment_intent = pi.id;
      s.customer_details = details;
      s.url = null;
    });
  }
  ctx.emit('checkout.session.completed', session);
  const success = session.obj.success_url;
  return { ok: true, redirect: success ? success.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : null };
}
