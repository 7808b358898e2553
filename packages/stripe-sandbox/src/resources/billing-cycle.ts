/**
 * What Stripe runs as time passes, for one clock domain (the sandbox clock, or one
 * test clock): trial-will-end notices, trial ends, renewals at period end (invoice
 * created → subscription period moved → finalized → payment attempt), payment
 * retries on the configured schedule, cancellation at `cancel_at` / period end, and
 * the expiry of subscriptions left incomplete for 23 hours. Due work runs one step
 * at a time in time order, each step at its own moment.
 */
import type Stripe from 'stripe';
import { DAY } from '../core/clock.ts';
import type { Ctx, Runtime } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { createSubscriptionInvoice, finalizeInvoice, payInvoice, voidInvoice } from './invoices.ts';
import { afterInvoicePayment, cancelSubscriptionNow, lineInputs, periodEndAfter, periodOf, setPeriod } from './subscriptions.ts';

type Action = 'expire' | 'trial_will_end' | 'end_trial' | 'cancel' | 'renew' | 'retry';

interface Due {
  at: number;
  action: Action;
  sub: Entry<'subscription'>;
}

const INCOMPLETE_EXPIRES_AFTER = 23 * 3600;

function dueFor(rt: Runtime, sub: Entry<'subscription'>): Due | null {
  const s = sub.obj;
  const candidates: Due[] = [];
  const add = (at: number | null | undefined, action: Action): void => {
    if (at !== null && at !== undefined) candidates.push({ at, action, sub });
  };
  switch (s.status) {
    case 'incomplete':
      add(s.created + INCOMPLETE_EXPIRES_AFTER, 'expire');
      break;
    case 'trialing':
      if (!sub.meta.trialWillEndSent && s.trial_end && s.trial_end - 3 * DAY > s.created) add(s.trial_end - 3 * DAY, 'trial_will_end');
      add(s.cancel_at, 'cancel');
      add(s.trial_end, 'end_trial');
      break;
    case 'active':
    case 'past_due':
    case 'unpaid': {
      add(s.cancel_at, 'cancel');
      if (s.collection_method === 'charge_automatically' || s.status === 'active') add(periodOf(s).end, 'renew');
      const invoice = s.latest_invoice ? rt.store.get('invoice', sub.account, s.latest_invoice as string) : undefined;
      if (invoice && invoice.obj.status === 'open' && invoice.obj.billing_reason !== 'subscription_create' && invoice.obj.next_payment_attempt !== null && invoice.obj.attempt_count > 0) {
        add(invoice.obj.next_payment_attempt, 'retry');
      }
      break;
    }
    default:
      return null;
  }
  // earliest first; at the same moment a cancellation wins over a renewal
  const order: Action[] = ['expire', 'trial_will_end', 'cancel', 'end_trial', 'retry', 'renew'];
  candidates.sort((a, b) => a.at - b.at || order.indexOf(a.action) - order.indexOf(b.action));
  return candidates[0] ?? null;
}

/** Start a new period at `start`: draft invoice, period moved, finalize, attempt payment. */
function startPeriod(ctx: Ctx, sub: Entry<'subscription'>, start: number, endTrial: boolean): void {
  const customer = ctx.get('customer', sub.obj.customer as string);
  if (!customer) {
    cancelSubscriptionNow(ctx, sub, 'cancellation_requested');
    return;
  }
  const old = periodOf(sub.obj);
  if (endTrial) sub.obj.billing_cycle_anchor = start;
  const end = periodEndAfter(sub.obj, start);
  const nextPeriod = { start, end };
  const invoice = createSubscriptionInvoice(ctx, { customer, subscription: sub.obj, reason: 'subscription_cycle', period: endTrial ? { start, end: start } : old, lines: lineInputs(sub.obj, nextPeriod) });
  ctx.update(sub, (s) => {
    setPeriod(s, start, end);
    s.latest_invoice = invoice.id;
    if (endTrial) s.status = 'active';
  }, 'customer.subscription.updated');
  finalizeInvoice(ctx, invoice);
  if (sub.obj.collection_method !== 'charge_automatically' || invoice.obj.status !== 'open') return;
  const result = payInvoice(ctx, invoice);
  afterInvoicePayment(ctx, invoice, result.ok);
}

function run(ctx: Ctx, due: Due): void {
  const sub = due.sub;
  switch (due.action) {
    case 'expire': {
      const invoice = sub.obj.latest_invoice ? ctx.get('invoice', sub.obj.latest_invoice as string) : undefined;
      if (invoice && invoice.obj.status === 'open') voidInvoice(ctx, invoice);
      ctx.update(sub, (s) => {
        s.status = 'incomplete_expired';
        s.ended_at = ctx.now;
      });
      ctx.emit('customer.subscription.deleted', sub);
      break;
    }
    case 'trial_will_end':
      sub.meta.trialWillEndSent = true;
      ctx.emit('customer.subscription.trial_will_end', sub);
      break;
    case 'end_trial':
      endTrial(ctx, sub);
      break;
    case 'cancel':
      cancelSubscriptionNow(ctx, sub, 'cancellation_requested');
      break;
    case 'renew':
      startPeriod(ctx, sub, periodOf(sub.obj).end, false);
      break;
    case 'retry': {
      const invoice = ctx.get('invoice', sub.obj.latest_invoice as string);
      if (!invoice) break;
      invoice.meta.retries = (invoice.meta.retries ?? 0) + 1;
      const result = payInvoice(ctx, invoice);
      afterInvoicePayment(ctx, invoice, result.ok);
      break;
    }
  }
}

/** A trial ends: cancel or pause without a payment method when so configured, else bill the first period. */
export function endTrial(ctx: Ctx, sub: Entry<'subscription'>): void {
  const s = sub.obj;
  const customer = ctx.get('customer', s.customer as string);
  const hasPm = Boolean(s.default_payment_method ?? customer?.obj.invoice_settings.default_payment_method);
  const behavior: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod = s.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
  if (!hasPm && behavior === 'cancel') {
    cancelSubscriptionNow(ctx, sub, 'cancellation_requested');
    return;
  }
  if (!hasPm && behavior === 'pause') {
    ctx.update(sub, (o) => {
      o.status = 'paused';
    });
    ctx.emit('customer.subscription.paused', sub);
    return;
  }
  startPeriod(ctx, sub, ctx.now, true);
}

function domainSubscriptions(rt: Runtime, account: string | null, testClock: string | null): Entry<'subscription'>[] {
  const accounts = account ? [account] : rt.store.accountsWith('subscription');
  return accounts.flatMap((a) => rt.store.byIndex('subscription', a, 'domain', testClock ?? 'sandbox'));
}

/** Run everything due in a clock domain up to `until`, in time order. */
export function runDue(rt: Runtime, account: string | null, testClock: string | null, until: number): number {
  let steps = 0;
  for (; steps < 100_000; steps++) {
    let next: Due | null = null;
    for (const sub of domainSubscriptions(rt, account, testClock)) {
      const due = dueFor(rt, sub);
      if (due && due.at <= until && (!next || due.at < next.at)) next = due;
    }
    if (!next) break;
    const ctx = rt.ctx(next.sub.account, { id: null, idempotency_key: null }, next.at);
    run(ctx, next);
    ctx.commit();
  }
  return steps;
}
