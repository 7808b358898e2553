/**
 * The ledger's side of the Stripe boundary: which objects a webhook event is
 * about, and reading their current state from Stripe as the billing domain's
 * neutral records (translation in `ledger-records.ts`).
 *
 * Processing re-reads every object an event names instead of trusting the
 * event's snapshot: the snapshot may be older than another event already
 * processed (Stripe does not order deliveries, and `created` has one-second
 * precision), while a read that starts after the event arrived is at least as
 * new as the event. See `billing/projector.ts` for how reads are ordered.
 */
import Stripe from 'stripe';
import type { EventAction, LedgerKind, LedgerRecord, LedgerRef } from '../../billing/records.ts';
import {
  chargeRecord,
  checkoutSessionRecord,
  customerRecord,
  disputeRecord,
  earlyFraudWarningRecord,
  entitlementSummaryRecord,
  invoiceRecord,
  paymentIntentRecord,
  paymentMethodRecord,
  refundRecord,
  subscriptionRecord,
} from './ledger-records.ts';

// ---------------------------------------------------------------------------
// Events → what to do

const PROJECT_BY_PREFIX: Array<[RegExp, LedgerKind]> = [
  [/^customer\.subscription\.(created|updated|deleted|paused|resumed|trial_will_end)$/, 'subscription'],
  [/^customer\.(created|updated|deleted)$/, 'customer'],
  [/^checkout\.session\.(completed|expired|async_payment_succeeded|async_payment_failed)$/, 'checkout_session'],
  [/^invoice\.(created|finalized|paid|payment_succeeded|payment_failed|voided|marked_uncollectible)$/, 'invoice'],
  [/^payment_intent\.(succeeded|payment_failed)$/, 'payment_intent'],
  [/^charge\.(succeeded|failed|refunded)$/, 'charge'],
  [/^charge\.refund\.updated$/, 'refund'],
  [/^refund\.(created|updated|failed)$/, 'refund'],
  [/^payment_method\.(attached|detached)$/, 'payment_method'],
  [/^charge\.dispute\.(created|updated|closed|funds_withdrawn|funds_reinstated)$/, 'dispute'],
  [/^radar\.early_fraud_warning\.(created|updated)$/, 'early_fraud_warning'],
  [/^entitlements\.active_entitlement_summary\.updated$/, 'entitlement_summary'],
];

/** The event fields processing needs, already checked by intake. */
export interface EventEnvelope {
  type: string;
  data: { object: Record<string, unknown> };
}

function stringField(obj: Record<string, unknown>, key: string): string | null {
  const v = obj[key];
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') return (v as { id: string }).id;
  return null;
}

/**
 * What Tollgate does with an event type: re-read and project objects, hand it
 * to the catalog, handle a deauthorization, or record it only. An event whose
 * object carries no usable id cannot be projected and is ignored.
 */
export function actionForEvent(event: EventEnvelope): EventAction {
  const { type } = event;
  if (/^(product|price)\./.test(type)) return { action: 'catalog' };
  if (type === 'account.application.deauthorized') return { action: 'deauthorized' };
  const match = PROJECT_BY_PREFIX.find(([pattern]) => pattern.test(type));
  if (!match) return { action: 'ignore' };
  const kind = match[1];
  const obj = event.data.object;
  const id = kind === 'entitlement_summary' ? stringField(obj, 'customer') : stringField(obj, 'id');
  if (!id) return { action: 'ignore' };
  const refs: LedgerRef[] = [{ kind, id }];
  // Objects whose state the event implies changed, but for which Stripe sends no event of ours.
  if (kind === 'dispute' || (kind === 'refund' && type === 'charge.refund.updated')) {
    const charge = stringField(obj, 'charge');
    if (charge) refs.push({ kind: 'charge', id: charge });
  }
  if (kind === 'invoice' && /^invoice\.(payment_failed|paid|payment_succeeded)$/.test(type)) {
    const parent = obj.parent as { subscription_details?: { subscription?: unknown } } | null | undefined;
    const sub = parent?.subscription_details?.subscription;
    const subId = typeof sub === 'string' ? sub : sub && typeof sub === 'object' ? stringField(sub as Record<string, unknown>, 'id') : null;
    if (subId) refs.push({ kind: 'subscription', id: subId });
  }
  return { action: 'project', refs };
}

// ---------------------------------------------------------------------------
// Reading current state

function isMissing(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeInvalidRequestError && (err.statusCode === 404 || err.code === 'resource_missing');
}

async function allItems(stripe: Stripe, sub: Stripe.Subscription): Promise<Stripe.SubscriptionItem[] | undefined> {
  if (!sub.items?.has_more) return undefined;
  const items: Stripe.SubscriptionItem[] = [];
  for await (const item of stripe.subscriptionItems.list({ subscription: sub.id, limit: 100 })) items.push(item);
  return items;
}

async function read(stripe: Stripe, ref: LedgerRef): Promise<LedgerRecord> {
  switch (ref.kind) {
    case 'customer':
      return customerRecord(await stripe.customers.retrieve(ref.id));
    case 'subscription': {
      const sub = await stripe.subscriptions.retrieve(ref.id, { expand: ['latest_invoice'] });
      return subscriptionRecord(sub, await allItems(stripe, sub));
    }
    case 'invoice':
      return invoiceRecord(await stripe.invoices.retrieve(ref.id, { expand: ['payments'] }));
    case 'payment_intent':
      return paymentIntentRecord(await stripe.paymentIntents.retrieve(ref.id));
    case 'charge':
      return chargeRecord(await stripe.charges.retrieve(ref.id));
    case 'refund':
      return refundRecord(await stripe.refunds.retrieve(ref.id));
    case 'payment_method':
      return paymentMethodRecord(await stripe.paymentMethods.retrieve(ref.id));
    case 'checkout_session':
      return checkoutSessionRecord(await stripe.checkout.sessions.retrieve(ref.id));
    case 'dispute':
      return disputeRecord(await stripe.disputes.retrieve(ref.id));
    case 'early_fraud_warning':
      return earlyFraudWarningRecord(await stripe.radar.earlyFraudWarnings.retrieve(ref.id));
    case 'entitlement_summary': {
      const active: Stripe.Entitlements.ActiveEntitlement[] = [];
      for await (const e of stripe.entitlements.activeEntitlements.list({ customer: ref.id, limit: 100 })) active.push(e);
      return entitlementSummaryRecord(ref.id, active);
    }
  }
}

/**
 * Reads the current state of `ref` from Stripe. An object Stripe no longer
 * has (404) comes back as a tombstone.
 */
export async function readLedgerObject(stripe: Stripe, ref: LedgerRef): Promise<LedgerRecord> {
  try {
    return await read(stripe, ref);
  } catch (err) {
    if (isMissing(err)) return { kind: ref.kind, stripeId: ref.id, deleted: true };
    throw err;
  }
}

/**
 * Objects an invoice event also changes without an event of their own: a
 * voided invoice cancels its payment intents (`payment_intent.canceled` is not
 * one of the events Tollgate subscribes to).
 */
export function followUpRefs(eventType: string, record: LedgerRecord): LedgerRef[] {
  if (record.deleted || record.kind !== 'invoice') return [];
  if (eventType !== 'invoice.voided' && eventType !== 'invoice.marked_uncollectible') return [];
  return record.paymentIntentIds.map((id) => ({ kind: 'payment_intent' as const, id }));
}
