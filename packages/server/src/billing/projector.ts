/**
 * Projects ledger records into the ledger tables, in the caller's transaction,
 * and emits the domain events other domains react to (subscription.changed,
 * customer.changed, checkout.completed, invoice.payment_failed).
 *
 * Ordering. Stripe events carry only a one-second `created` and arrive in any
 * order, duplicated, sometimes to two instances at once, so their snapshots
 * cannot be ordered. Instead, processing re-reads each object from Stripe and
 * takes a number from the `ledger_read_seq` sequence *before* the read starts.
 * A row is overwritten only by a read with a higher number. Why that converges
 * to Stripe's state: every change in Stripe is followed by an event, and that
 * event's processing takes its number after the change happened, so its read
 * sees the change (or something newer). Any read with a higher number started
 * even later and sees at least as much; any read with a lower number loses.
 * So the last stored state is never older than the last change's event, no
 * matter how deliveries were duplicated, reordered or spread over instances.
 *
 * Domain events are emitted only when the stored, entitlement-relevant state
 * actually changed (a duplicate or stale read changes nothing and says
 * nothing), and the notice-type events (checkout.completed,
 * invoice.payment_failed) are deduplicated by a marker on their row.
 */
import type { Queryable } from '../db/types.ts';
import type { DomainEvents, SubscriptionSnapshot } from '../events/bus.ts';
import type { Mode } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import type { CheckoutSessionRecord, CustomerRecord, InvoiceRecord, LedgerRecord, SubscriptionRecord } from './records.ts';
import { ledgerRepository as repo, type CustomerRow, type SubscriptionRow, type WriteResult } from './repository.ts';

export interface ProjectionContext {
  tenantId: string;
  mode: Mode;
  /** The ledger_read_seq number taken before the record was read from Stripe. */
  readSeq: bigint | number;
  /** The Stripe event that caused this read (its type decides notice-type domain events). */
  eventType: string;
  eventId: string;
}

export interface ProjectionResult {
  kind: LedgerRecord['kind'];
  stripeId: string;
  write: WriteResult;
  /** Domain events emitted. */
  emitted: string[];
}

const DELINQUENT = new Set(['past_due', 'unpaid']);
const GOOD_STANDING = new Set(['active', 'trialing']);

function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function snapshotOfRow(row: SubscriptionRow): SubscriptionSnapshot {
  return {
    status: row.status ?? 'unknown',
    priceIds: [...row.stripe_price_ids].sort(),
    currentPeriodEnd: iso(row.current_period_end),
    cancelAtPeriodEnd: row.cancel_at_period_end,
    trialEnd: iso(row.trial_end),
    pastDueSince: iso(row.past_due_since),
    endedAt: iso(row.ended_at),
  };
}

function sameSnapshot(a: SubscriptionSnapshot | null, b: SubscriptionSnapshot): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The start of the current delinquency: kept once known, set from the latest
 * invoice's first failed attempt (or, failing that, the event that revealed
 * it) when the subscription is past_due/unpaid, cleared once it is in good
 * standing again; other statuses (canceled, incomplete, paused) keep it.
 */
export function pastDueSince(record: SubscriptionRecord, before: Date | null, revealedAt: Date): Date | null {
  if (GOOD_STANDING.has(record.status)) return null;
  if (!DELINQUENT.has(record.status)) return before;
  return before ?? record.latestInvoiceFailedAt ?? revealedAt;
}

export function createProjector(deps: { events: DomainEvents; clock: Clock }) {
  const { events, clock } = deps;

  async function projectSubscription(tx: Queryable, ctx: ProjectionContext, record: SubscriptionRecord): Promise<ProjectionResult> {
    const { tenantId, mode } = ctx;
    await repo.lock(tx, tenantId, mode, record.stripeId);
    const before = await repo.findSubscription(tx, tenantId, mode, record.stripeId);
    if (before && BigInt(before.read_seq) >= BigInt(ctx.readSeq)) return { kind: 'subscription', stripeId: record.stripeId, write: 'stale', emitted: [] };
    const now = clock.now();
    const since = pastDueSince(record, before?.past_due_since ?? null, now);
    // the lock above means no later read can have been stored since `before`: this write lands
    const { write, row: after } = await repo.upsert(tx, tenantId, mode, record, ctx.readSeq, now, { past_due_since: since });
    await repo.replaceItems(tx, tenantId, mode, record, ctx.readSeq, now);
    const beforeSnap = before && !before.deleted && before.status ? snapshotOfRow(before) : null;
    const afterSnap = snapshotOfRow(after as SubscriptionRow);
    const emitted: string[] = [];
    if (!sameSnapshot(beforeSnap, afterSnap)) {
      await events.emit(
        tx,
        'subscription.changed',
        { tenantId, mode, subscription: record.stripeId, customer: record.customerId ?? '', before: beforeSnap, after: afterSnap },
        record.stripeId,
      );
      emitted.push('subscription.changed');
    }
    return { kind: 'subscription', stripeId: record.stripeId, write, emitted };
  }

  async function projectCustomer(tx: Queryable, ctx: ProjectionContext, record: CustomerRecord | LedgerRecord): Promise<ProjectionResult> {
    const { tenantId, mode } = ctx;
    await repo.lock(tx, tenantId, mode, record.stripeId);
    const before = await repo.findCustomer(tx, tenantId, mode, record.stripeId);
    if (before && BigInt(before.read_seq) >= BigInt(ctx.readSeq)) return { kind: 'customer', stripeId: record.stripeId, write: 'stale', emitted: [] };
    const now = clock.now();
    const { write, row } = record.deleted
      ? await repo.tombstone(tx, tenantId, mode, 'customer', record.stripeId, ctx.readSeq, now)
      : await repo.upsert(tx, tenantId, mode, record as CustomerRecord, ctx.readSeq, now);
    const after = row as CustomerRow;
    const view = (c: { email: string | null; deleted: boolean; metadata: Record<string, string> }) => JSON.stringify([c.email, c.deleted, c.metadata]);
    const emitted: string[] = [];
    if (!before || view(before) !== view(after)) {
      await events.emit(
        tx,
        'customer.changed',
        { tenantId, mode, customer: record.stripeId, email: after.email, deleted: after.deleted, metadata: after.metadata ?? {} },
        record.stripeId,
      );
      emitted.push('customer.changed');
    }
    return { kind: 'customer', stripeId: record.stripeId, write, emitted };
  }

  /** invoice.payment_failed: once per failed attempt, and only while the invoice is still unpaid. */
  async function noticeFailedPayment(tx: Queryable, ctx: ProjectionContext, record: InvoiceRecord): Promise<string[]> {
    if (ctx.eventType !== 'invoice.payment_failed' || record.status !== 'open' || record.attemptCount < 1 || !record.customerId) return [];
    if (!(await repo.claimPaymentFailedNotice(tx, ctx.tenantId, ctx.mode, record.stripeId, record.attemptCount))) return [];
    await events.emit(
      tx,
      'invoice.payment_failed',
      {
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        invoice: record.stripeId,
        customer: record.customerId,
        subscription: record.subscriptionId,
        attemptCount: record.attemptCount,
        nextPaymentAttempt: iso(record.nextPaymentAttempt),
        amountDue: record.amountDue,
        currency: record.currency,
        hostedInvoiceUrl: record.hostedInvoiceUrl,
      },
      record.stripeId,
    );
    return ['invoice.payment_failed'];
  }

  /** checkout.completed: once per session for completed, and once more when an async payment succeeds. */
  async function noticeCheckout(tx: Queryable, ctx: ProjectionContext, record: CheckoutSessionRecord): Promise<string[]> {
    const trigger = ctx.eventType;
    if (trigger !== 'checkout.session.completed' && trigger !== 'checkout.session.async_payment_succeeded') return [];
    if (record.status !== 'complete') return [];
    if (trigger === 'checkout.session.async_payment_succeeded' && record.paymentStatus !== 'paid') return [];
    if (!(await repo.claimCheckoutNotice(tx, ctx.tenantId, ctx.mode, record.stripeId, trigger))) return [];
    await events.emit(
      tx,
      'checkout.completed',
      {
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        session: record.stripeId,
        customer: record.customerId,
        subscription: record.subscriptionId,
        clientReferenceId: record.clientReferenceId,
        customerEmail: record.customerEmail,
        metadata: record.metadata,
      },
      record.stripeId,
    );
    return ['checkout.completed'];
  }

  return {
    /** Projects one record read under `ctx.readSeq`; stale reads change nothing. */
    async project(tx: Queryable, ctx: ProjectionContext, record: LedgerRecord): Promise<ProjectionResult> {
      if (record.kind === 'subscription' && !record.deleted) return projectSubscription(tx, ctx, record);
      if (record.kind === 'customer') return projectCustomer(tx, ctx, record);
      const now = clock.now();
      if (record.deleted) {
        const { write } = await repo.tombstone(tx, ctx.tenantId, ctx.mode, record.kind, record.stripeId, ctx.readSeq, now);
        return { kind: record.kind, stripeId: record.stripeId, write, emitted: [] };
      }
      const { write } = await repo.upsert(tx, ctx.tenantId, ctx.mode, record, ctx.readSeq, now);
      let emitted: string[] = [];
      if (record.kind === 'invoice') emitted = await noticeFailedPayment(tx, ctx, record);
      if (record.kind === 'checkout_session') emitted = await noticeCheckout(tx, ctx, record);
      return { kind: record.kind, stripeId: record.stripeId, write, emitted };
    },
  };
}

export type Projector = ReturnType<typeof createProjector>;
