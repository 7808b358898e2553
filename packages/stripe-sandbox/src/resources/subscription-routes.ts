/**
 * The subscription endpoints: create (items, default payment method, trials,
 * payment behaviour), retrieve, update (cancel at period end, price change through
 * `items[0][id]` + `items[0][price]`, metadata, ending a trial), cancel, and list by
 * customer, price and status (`all` and `ended` included).
 */
import type Stripe from 'stripe';
import { DAY, addInterval } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import { LIST, array, boolean, either, ignored, integer, literal, mergeMetadata, metadata, object, oneOf, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type ApiRequest, type Route } from '../core/router.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { requireAttached } from './cards.ts';
import { getCustomer } from './customers.ts';
import { endTrial } from './billing-cycle.ts';
import { createSubscriptionInvoice, finalizeInvoice, payInvoice } from './invoices.ts';
import {
  afterInvoicePayment,
  buildItem,
  cancelSubscriptionNow,
  checkItemPrices,
  createSubscription,
  lineInputs,
  periodOf,
  setPeriod,
  planOf,
  withCancellation,
} from './subscriptions.ts';

const PAYMENT_BEHAVIORS = ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const;
const FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const;

function futureTimestamp(ctx: Ctx, t: number, param: string): number {
  if (t <= ctx.now) throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', { param, code: 'parameter_invalid_integer', saveIdempotent: false });
  return t;
}

const createShape = {
  customer: string().req(),
  items: array(object({ price: string().req(), quantity: integer({ min: 1 }), metadata: metadata(), tax_rates: ignored(), discounts: ignored() }), { max: 20 }).req(),
  default_payment_method: string(),
  trial_period_days: integer({ min: 0, max: 730 }),
  trial_end: either(literal('now'), integer()),
  trial_from_plan: boolean(),
  trial_settings: object({ end_behavior: object({ missing_payment_method: oneOf(['cancel', 'create_invoice', 'pause']).req() }).req() }),
  metadata: metadata(),
  description: string({ maxLength: 500 }),
  cancel_at_period_end: boolean(),
  payment_behavior: oneOf(PAYMENT_BEHAVIORS),
  collection_method: oneOf(['charge_automatically', 'send_invoice']),
  days_until_due: integer({ min: 0, max: 730 }),
  off_session: boolean(),
  proration_behavior: oneOf(['always_invoice', 'create_prorations', 'none']),
  payment_settings: ignored(),
  automatic_tax: ignored(),
  currency: string(),
};

function create(req: ApiRequest<any>): unknown {
  const p = req.params as { [K in keyof typeof createShape]?: any };
  const customer = getCustomer(req, p.customer);
  const ctx = req.ctx.onClock(customer.obj.test_clock as string | null);
  const items = (p.items as { price: string; quantity?: number | null; metadata?: Record<string, string> | null }[]).map((item, i) => ({
    price: mustGet(req, 'price', item.price, 'price', `items[${i}][price]`),
    quantity: item.quantity ?? 1,
    metadata: item.metadata ?? null,
  }));
  if (items.length === 0) throw invalidRequest('Missing required param: items.', { param: 'items', code: 'parameter_missing', saveIdempotent: false });
  checkItemPrices(items.map((i) => i.price.obj), (i) => `items[${i}][price]`);
  if (p.default_payment_method) requireAttached(ctx, p.default_payment_method, customer.id, 'default_payment_method');
  let trialEnd: number | null = null;
  if (typeof p.trial_end === 'number') trialEnd = futureTimestamp(ctx, p.trial_end, 'trial_end');
  else if (p.trial_end !== 'now' && p.trial_period_days) trialEnd = ctx.now + p.trial_period_days * DAY;
  else if (p.trial_end !== 'now' && p.trial_from_plan) {
    const days = items[0]?.price.obj.recurring?.trial_period_days;
    if (days) trialEnd = ctx.now + days * DAY;
  }
  const { sub } = createSubscription(ctx, {
    customer,
    items,
    defaultPaymentMethod: p.default_payment_method ?? null,
    trialEnd,
    metadata: mergeMetadata({}, p.metadata),
    description: p.description ?? null,
    cancelAtPeriodEnd: p.cancel_at_period_end ?? false,
    paymentBehavior: p.payment_behavior ?? 'allow_incomplete',
    collectionMethod: p.collection_method ?? 'charge_automatically',
    daysUntilDue: p.days_until_due ?? null,
    missingPaymentMethod: p.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice',
    announceIncomplete: false,
  });
  return ctx.render(sub);
}

const updateShape = {
  cancel_at_period_end: boolean(),
  cancel_at: integer(),
  cancellation_details: object({ comment: string({ maxLength: 5000 }), feedback: oneOf(FEEDBACK) }),
  metadata: metadata(),
  description: string({ maxLength: 500 }),
  default_payment_method: string(),
  items: array(object({ id: string(), price: string(), quantity: integer({ min: 0 }), deleted: boolean(), metadata: metadata(), clear_usage: ignored(), tax_rates: ignored(), discounts: ignored() }), { max: 20 }),
  proration_behavior: oneOf(['always_invoice', 'create_prorations', 'none']),
  proration_date: integer(),
  payment_behavior: oneOf(PAYMENT_BEHAVIORS),
  billing_cycle_anchor: oneOf(['now', 'unchanged']),
  trial_end: either(literal('now'), integer()),
  off_session: boolean(),
  payment_settings: ignored(),
  automatic_tax: ignored(),
};

/** The items after applying `items[]` changes, validated before anything is written. */
function nextItemsAfter(ctx: Ctx, sub: Stripe.Subscription, changes: ItemChange[], prices: Map<number, Entry<'price'>>): Stripe.SubscriptionItem[] {
  let items = sub.items.data.map((it) => ({ ...it }));
  const added = new Set<string>();
  const period = periodOf(sub);
  changes.forEach((c, i) => {
    const price = prices.get(i);
    const existing = c.id ? items.find((it) => it.id === c.id) : undefined;
    if (existing && c.deleted) {
      items = items.filter((it) => it !== existing);
      return;
    }
    if (existing) {
      if (price && price.id !== existing.price.id) {
        existing.price = price.obj;
        existing.plan = planOf(price.obj);
        added.add(existing.id);
      }
      if (c.quantity !== undefined && c.quantity !== null) existing.quantity = c.quantity;
      if (c.metadata !== undefined) existing.metadata = mergeMetadata(existing.metadata, c.metadata);
      return;
    }
    if (price) {
      const item = buildItem(ctx, sub.id, { price, quantity: c.quantity ?? 1, metadata: c.metadata ?? null }, period);
      items.push(item);
      added.add(item.id);
    }
  });
  if (items.length === 0) throw invalidRequest('A subscription must have at least one active plan.', { param: 'items' });
  checkItemPrices(items.map((it) => it.price), (i) => `items[${i}][price]`, (i) => added.has(items[i]?.id ?? ''));
  return items;
}

type ItemChange = { id?: string | null; price?: string | null; quantity?: number | null; deleted?: boolean | null; metadata?: Record<string, string> | null };

function update(req: ApiRequest<any>): unknown {
  const sub = mustGet(req, 'subscription', req.path.id as string, 'subscription');
  const ctx = req.ctx.onClock(sub.obj.test_clock as string | null);
  const p = req.params as { [K in keyof typeof updateShape]?: any };
  const allowedWhenCanceled = new Set(['metadata', 'cancellation_details', 'expand']);
  if ((sub.obj.status === 'canceled' || sub.obj.status === 'incomplete_expired') && Object.keys(p).some((k) => !allowedWhenCanceled.has(k))) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', { code: 'resource_missing' });
  }
  const customerId = sub.obj.customer as string;
  if (p.default_payment_method) requireAttached(ctx, p.default_payment_method, customerId, 'default_payment_method');
  const changes = (p.items ?? []) as ItemChange[];
  const prices = new Map<number, Entry<'price'>>();
  changes.forEach((c, i) => {
    if (c.id && !sub.obj.items.data.some((it) => it.id === c.id)) throw invalidRequest(`Invalid subscription item: ${c.id} does not belong to ${sub.id}.`, { param: `items[${i}][id]`, code: 'resource_missing' });
    if (c.price) prices.set(i, mustGet(req, 'price', c.price, 'price', `items[${i}][price]`));
    if (!c.id && !c.price) throw invalidRequest('Missing required param: items[' + i + '][price].', { param: `items[${i}][price]`, code: 'parameter_missing', saveIdempotent: false });
  });
  if (typeof p.trial_end === 'number') futureTimestamp(ctx, p.trial_end, 'trial_end');
  const beforeInterval = JSON.stringify(sub.obj.items.data[0]?.price.recurring);
  const nextItems = nextItemsAfter(ctx, sub.obj, changes, prices);
  const resetCycle = p.billing_cycle_anchor === 'now' || JSON.stringify(nextItems[0]?.price.recurring) !== beforeInterval;

  ctx.update(sub, (s) => {
    if (p.metadata !== undefined) s.metadata = mergeMetadata(s.metadata, p.metadata);
    if (p.description !== undefined) s.description = p.description;
    if (p.default_payment_method !== undefined) s.default_payment_method = p.default_payment_method;
    if (p.cancellation_details) s.cancellation_details = withCancellation(s.cancellation_details, p.cancellation_details);
    if (p.cancel_at_period_end === true) {
      s.cancel_at_period_end = true;
      s.cancel_at = periodOf(s).end;
      s.canceled_at = ctx.now;
      s.cancellation_details = withCancellation(s.cancellation_details, { reason: 'cancellation_requested' });
    } else if (p.cancel_at_period_end === false || p.cancel_at === null) {
      s.cancel_at_period_end = false;
      s.cancel_at = null;
      s.canceled_at = null;
      if (s.cancellation_details) s.cancellation_details.reason = null;
    }
    if (typeof p.cancel_at === 'number') {
      s.cancel_at = p.cancel_at;
      s.cancel_at_period_end = p.cancel_at === periodOf(s).end;
      s.canceled_at = ctx.now;
    }
    s.items.data = nextItems;
    if (resetCycle && s.status !== 'trialing') {
      s.billing_cycle_anchor = ctx.now;
      const r = s.items.data[0]?.price.recurring as Stripe.Price.Recurring;
      setPeriod(s, ctx.now, addInterval(ctx.now, r.interval, r.interval_count));
      if (s.cancel_at_period_end) s.cancel_at = periodOf(s).end;
    }
  }, 'customer.subscription.updated');

  if (resetCycle && sub.obj.status !== 'trialing') {
    const customer = getCustomer(req, customerId);
    const period = periodOf(sub.obj);
    const invoice = createSubscriptionInvoice(ctx, { customer, subscription: sub.obj, reason: 'subscription_update', period: { start: ctx.now, end: ctx.now }, lines: lineInputs(sub.obj, period) });
    ctx.update(sub, (s) => {
      s.latest_invoice = invoice.id;
    });
    finalizeInvoice(ctx, invoice);
    if (invoice.obj.status === 'open' && sub.obj.collection_method === 'charge_automatically') {
      const result = payInvoice(ctx, invoice);
      afterInvoicePayment(ctx, invoice, result.ok);
      if (!result.ok && p.payment_behavior === 'error_if_incomplete' && result.error) throw result.error;
    }
  }
  if (p.trial_end === 'now' && sub.obj.status === 'trialing') endTrial(ctx, sub);
  else if (typeof p.trial_end === 'number' && sub.obj.status === 'trialing') {
    ctx.update(sub, (s) => {
      s.trial_end = p.trial_end;
      setPeriod(s, periodOf(s).start, p.trial_end);
      s.billing_cycle_anchor = p.trial_end;
    }, 'customer.subscription.updated');
  }
  return ctx.render(sub);
}

const STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;

export const subscriptionRoutes: Route[] = [
  route('POST', '/v1/subscriptions', createShape, create),
  route('GET', '/v1/subscriptions/:id', {}, (req) => req.ctx.render(mustGet(req, 'subscription', req.path.id as string, 'subscription'))),
  route('POST', '/v1/subscriptions/:id', updateShape, update),
  route('DELETE', '/v1/subscriptions/:id', { invoice_now: boolean(), prorate: boolean(), cancellation_details: object({ comment: string({ maxLength: 5000 }), feedback: oneOf(FEEDBACK) }) }, (req) => {
    const sub = mustGet(req, 'subscription', req.path.id as string, 'subscription');
    const ctx = req.ctx.onClock(sub.obj.test_clock as string | null);
    if (sub.obj.status === 'canceled' || sub.obj.status === 'incomplete_expired') {
      throw invalidRequest(`This subscription has already been canceled: ${sub.id}.`, { code: 'resource_missing' });
    }
    const d = req.params.cancellation_details;
    if (d?.feedback !== undefined) sub.obj.cancellation_details = withCancellation(sub.obj.cancellation_details, { feedback: d.feedback });
    cancelSubscriptionNow(ctx, sub, 'cancellation_requested', d?.comment);
    return ctx.render(sub);
  }),
  route('GET', '/v1/subscription_items', { ...LIST, subscription: string().req() }, (req) => {
    const sub = mustGet(req, 'subscription', req.params.subscription, 'subscription', 'subscription');
    const view = req.ctx.render(sub) as unknown as Stripe.Subscription;
    const items = view.items.data;
    const limit = req.params.limit ?? 10;
    const start = req.params.starting_after ? items.findIndex((i) => i.id === req.params.starting_after) + 1 : 0;
    return { object: 'list', data: items.slice(start, start + limit), has_more: start + limit < items.length, url: '/v1/subscription_items' };
  }),
  route('GET', '/v1/subscription_items/:id', {}, (req) => {
    const id = req.path.id as string;
    for (const sub of req.rt.store.byIndex('subscription', req.account, 'item', id)) {
      const item = (req.ctx.render(sub) as unknown as Stripe.Subscription).items.data.find((i) => i.id === id);
      if (item) return item;
    }
    throw invalidRequest(`No such subscription item: '${id}'`, { code: 'resource_missing', param: 'id', status: 404 });
  }),
  route('GET', '/v1/subscriptions', { ...LIST, customer: string(), price: string(), status: oneOf(STATUSES), created: range(), test_clock: string(), collection_method: oneOf(['charge_automatically', 'send_invoice']), current_period_end: ignored(), current_period_start: ignored(), automatic_tax: ignored() }, (req) => {
    const { customer, price, status, test_clock: clock, collection_method: method } = req.params;
    const store = req.rt.store;
    const candidates = customer
      ? store.byIndex('subscription', req.account, 'customer', customer)
      : price
        ? store.byIndex('subscription', req.account, 'price', price)
        : store.all('subscription', req.account);
    const created = createdFilter(req.params.created);
    const statusOk = (s: string): boolean =>
      status === 'all' ? true : status === 'ended' ? s === 'canceled' || s === 'incomplete_expired' : status ? s === status : s !== 'canceled';
    return listResponse(req, candidates, '/v1/subscriptions', (e) =>
      statusOk(e.obj.status) &&
      (!price || e.obj.items.data.some((i) => i.price.id === price)) &&
      (!clock || e.obj.test_clock === clock) &&
      (!method || e.obj.collection_method === method) &&
      created(e.obj.created));
  }),
];
