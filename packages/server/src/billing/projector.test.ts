import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, signUp, type TestApp } from '../../test/app.ts';
import { onPostgres } from '../../test/db.ts';
import { withSystem, withTenant } from '../db/scope.ts';
import type { DomainEventMap } from '../events/bus.ts';
import * as f from '../providers/stripe/fixtures.ts';
import { checkoutSessionRecord, customerRecord, invoiceRecord, subscriptionRecord } from '../providers/stripe/ledger-records.ts';
import { createProjector } from './projector.ts';
import type { LedgerRecord } from './records.ts';

describe('the billing ledger projection', () => {
  let t: TestApp;
  let tenantId: string;
  let seq = 0;
  const changes: Array<DomainEventMap['subscription.changed']> = [];
  const customerChanges: Array<DomainEventMap['customer.changed']> = [];
  const failedPayments: Array<DomainEventMap['invoice.payment_failed']> = [];
  const checkouts: Array<DomainEventMap['checkout.completed']> = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'open' } });
    tenantId = (await signUp(t.app, { email: 'owner@ledger.test', password: PASSWORD, tenant_name: 'Ledger' })).tenantId;
    t.services.events.on('subscription.changed', async (_tx, e) => void changes.push(e));
    t.services.events.on('customer.changed', async (_tx, e) => void customerChanges.push(e));
    t.services.events.on('invoice.payment_failed', async (_tx, e) => void failedPayments.push(e));
    t.services.events.on('checkout.completed', async (_tx, e) => void checkouts.push(e));
  });
  afterAll(async () => t.close());

  /** Projects `record` as read under `readSeq` (default: a fresh, higher number). */
  function project(record: LedgerRecord, options: { readSeq?: number; eventType?: string } = {}) {
    const readSeq = options.readSeq ?? ++seq;
    seq = Math.max(seq, readSeq);
    return t.services.inTenant(tenantId, (tx) =>
      t.services.billing.projector.project(tx, { tenantId, mode: 'test', readSeq, eventType: options.eventType ?? 'customer.subscription.updated', eventId: 'evt_test' }, record),
    );
  }

  function row(table: string, stripeId: string) {
    return t.services.inTenant(tenantId, async (tx) => (await tx.query(`select * from ${table} where tenant_id = $1 and stripe_id = $2`, [tenantId, stripeId])).rows[0]);
  }

  it('stores a subscription with its items, and emits subscription.changed with before = null', async () => {
    const sub = f.subscription({ customer: 'cus_first', items: [f.subscriptionItem({ price: f.price({ id: 'price_basic', product: 'prod_basic' }) })] });
    const result = await project(subscriptionRecord(sub));
    expect(result).toMatchObject({ write: 'inserted', emitted: ['subscription.changed'] });
    const stored = await row('subscriptions', sub.id);
    expect(stored).toMatchObject({ status: 'active', stripe_customer_id: 'cus_first', stripe_price_ids: ['price_basic'], mode: 'test' });
    expect(stored!.current_period_end.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(await row('subscription_items', sub.items.data[0]!.id)).toMatchObject({ subscription_stripe_id: sub.id, stripe_price_id: 'price_basic', stripe_product_id: 'prod_basic', deleted: false });
    const last = changes.at(-1)!;
    expect(last).toMatchObject({ tenantId, mode: 'test', subscription: sub.id, customer: 'cus_first', before: null });
    expect(last.after).toEqual({
      status: 'active',
      priceIds: ['price_basic'],
      currentPeriodEnd: '2026-02-01T00:00:00.000Z',
      cancelAtPeriodEnd: false,
      trialEnd: null,
      pastDueSince: null,
      endedAt: null,
    });
  });

  it('an older read never overwrites newer state, even when both happened in the same second', async () => {
    const sub = f.subscription({ status: 'active' });
    const older = subscriptionRecord({ ...sub, status: 'active' });
    const newer = subscriptionRecord({ ...sub, status: 'active', cancel_at_period_end: true });
    // both snapshots say created = the same second; only the read order tells them apart
    await project(newer, { readSeq: 1_000 });
    const stale = await project(older, { readSeq: 999 });
    expect(stale).toEqual({ kind: 'subscription', stripeId: sub.id, write: 'stale', emitted: [] });
    expect((await row('subscriptions', sub.id))!.cancel_at_period_end).toBe(true);
  });

  it('reversed order ends in the same state as in-order, and a duplicate changes nothing and says nothing', async () => {
    const base = f.subscription({ status: 'trialing', trial_end: f.unix('2026-01-15T00:00:00Z') });
    const states = [
      subscriptionRecord(base),
      subscriptionRecord({ ...base, status: 'active' }),
      subscriptionRecord({ ...base, status: 'active', cancel_at_period_end: true }),
      subscriptionRecord({ ...base, status: 'canceled', ended_at: f.unix('2026-02-01T00:00:00Z'), canceled_at: f.unix('2026-01-20T00:00:00Z') }),
    ];
    const seqs = states.map(() => ++seq);
    for (let i = states.length - 1; i >= 0; i--) await project(states[i]!, { readSeq: seqs[i] });
    const reversed = await row('subscriptions', base.id);
    expect(reversed).toMatchObject({ status: 'canceled', cancel_at_period_end: false });
    expect(reversed!.ended_at.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    const emitted = changes.filter((c) => c.subscription === base.id);
    expect(emitted).toHaveLength(1); // only the newest read changed anything
    const before = changes.length;
    expect(await project(states[3]!, { readSeq: seqs[3] })).toMatchObject({ write: 'stale', emitted: [] });
    expect(await project(states[3]!)).toMatchObject({ write: 'updated', emitted: [] }); // a fresh read of the same state: no change to announce
    expect(changes.length).toBe(before);
  });

  it('subscription.changed is written to the outbox in the projecting transaction, and a failing handler rolls the projection back', async () => {
    const sub = f.subscription();
    await project(subscriptionRecord(sub));
    const outbox = await withSystem(t.testDb.db, async (tx) => (await tx.query("select * from outbox where subject = $1 and type = 'subscription.changed'", [sub.id])).rows);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload).toMatchObject({ subscription: sub.id, before: null });

    const other = await createTestApp({ testDb: t.testDb });
    other.services.events.on('subscription.changed', async () => {
      throw new Error('entitlements could not be recomputed');
    });
    const doomed = f.subscription();
    await expect(
      withTenant(t.testDb.db, tenantId, (tx) =>
        other.services.billing.projector.project(tx, { tenantId, mode: 'test', readSeq: ++seq, eventType: 'customer.subscription.created', eventId: 'evt_x' }, subscriptionRecord(doomed)),
      ),
    ).rejects.toThrow('entitlements could not be recomputed');
    expect(await row('subscriptions', doomed.id)).toBeUndefined();
    await other.close();
  });

  it('past_due_since is the first failed payment of the current delinquency: set once, kept, cleared when active again', async () => {
    const finalizedAt = f.unix('2026-02-01T01:00:00Z');
    const failing = f.invoice({ status: 'open', attempt_count: 1, status_transitions: { finalized_at: finalizedAt, paid_at: null, voided_at: null, marked_uncollectible_at: null } });
    const base = f.subscription({ status: 'active' });
    await project(subscriptionRecord(base));
    await project(subscriptionRecord({ ...base, status: 'past_due', latest_invoice: failing }));
    expect((await row('subscriptions', base.id))!.past_due_since.toISOString()).toBe('2026-02-01T01:00:00.000Z');
    expect(changes.at(-1)!.after.pastDueSince).toBe('2026-02-01T01:00:00.000Z');
    // a later retry fails too: the delinquency still started at the first failure
    const retried = { ...failing, attempt_count: 2 };
    await project(subscriptionRecord({ ...base, status: 'unpaid', latest_invoice: retried }));
    expect((await row('subscriptions', base.id))!.past_due_since.toISOString()).toBe('2026-02-01T01:00:00.000Z');
    await project(subscriptionRecord({ ...base, status: 'active', latest_invoice: { ...failing, status: 'paid' } }));
    expect((await row('subscriptions', base.id))!.past_due_since).toBeNull();
    expect(changes.at(-1)!).toMatchObject({ before: { pastDueSince: '2026-02-01T01:00:00.000Z', status: 'unpaid' }, after: { pastDueSince: null, status: 'active' } });
  });

  it('an item removed from a subscription is kept as a deleted item, and its price leaves the snapshot', async () => {
    const keep = f.subscriptionItem({ price: f.price({ id: 'price_keep' }) });
    const drop = f.subscriptionItem({ price: f.price({ id: 'price_drop' }) });
    const sub = f.subscription({ items: [keep, drop] });
    await project(subscriptionRecord(sub));
    await project(subscriptionRecord({ ...sub, items: { object: 'list', data: [keep], has_more: false, url: '' } }));
    expect(await row('subscription_items', drop.id)).toMatchObject({ deleted: true });
    expect(await row('subscription_items', keep.id)).toMatchObject({ deleted: false });
    expect(changes.at(-1)!.after.priceIds).toEqual(['price_keep']);
  });

  it('a deleted customer is a tombstone that keeps what was known, and customer.changed says so', async () => {
    const c = f.customer({ email: 'gone@example.test', metadata: { app_user: '7' } });
    await project(customerRecord(c), { eventType: 'customer.created' });
    expect(customerChanges.at(-1)).toMatchObject({ customer: c.id, email: 'gone@example.test', deleted: false, metadata: { app_user: '7' } });
    await project(customerRecord(f.deletedCustomer(c.id)), { eventType: 'customer.deleted' });
    expect(await row('stripe_customers', c.id)).toMatchObject({ deleted: true, email: 'gone@example.test' });
    expect(customerChanges.at(-1)).toMatchObject({ customer: c.id, deleted: true, email: 'gone@example.test' });
    // a late customer.updated read from before the deletion cannot resurrect it
    await project(customerRecord(c), { readSeq: 1 });
    expect(await row('stripe_customers', c.id)).toMatchObject({ deleted: true });
  });

  it('a subscription that arrives before its customer is stored, and linked once the customer arrives', async () => {
    const c = f.customer({ email: 'late@example.test' });
    const sub = f.subscription({ customer: c.id });
    await project(subscriptionRecord(sub));
    const before = await t.services.inTenant(tenantId, (tx) => t.services.billing.getSubscription(tx, tenantId, 'test', sub.id));
    expect(before.customer_details).toBeNull();
    await project(customerRecord(c), { eventType: 'customer.created' });
    const after = await t.services.inTenant(tenantId, (tx) => t.services.billing.getSubscription(tx, tenantId, 'test', sub.id));
    expect(after.customer_details).toEqual({ id: c.id, email: 'late@example.test', name: 'Jane', deleted: false });
  });

  it('an invoice that arrives before its subscription is stored with the link', async () => {
    const inv = f.invoice({ subscription: 'sub_not_yet_here' });
    await project(invoiceRecord(inv), { eventType: 'invoice.created' });
    expect(await row('invoices', inv.id)).toMatchObject({ stripe_subscription_id: 'sub_not_yet_here', status: 'open' });
  });

  it('invoice.payment_failed is emitted once per failed attempt, and not once the invoice is paid', async () => {
    const inv = f.invoice({ subscription: 'sub_pf', attempt_count: 1, next_payment_attempt: f.unix('2026-02-04T00:00:00Z') });
    const n = failedPayments.length;
    await project(invoiceRecord(inv), { eventType: 'invoice.payment_failed' });
    await project(invoiceRecord(inv), { eventType: 'invoice.payment_failed' }); // the same attempt read again
    expect(failedPayments.slice(n)).toEqual([
      {
        tenantId,
        mode: 'test',
        invoice: inv.id,
        customer: 'cus_x',
        subscription: 'sub_pf',
        attemptCount: 1,
        nextPaymentAttempt: '2026-02-04T00:00:00.000Z',
        amountDue: 1000,
        currency: 'usd',
        hostedInvoiceUrl: 'https://invoice.example.test/i/1',
      },
    ]);
    await project(invoiceRecord({ ...inv, attempt_count: 2 }), { eventType: 'invoice.payment_failed' });
    expect(failedPayments.slice(n).map((e) => e.attemptCount)).toEqual([1, 2]);
    await project(invoiceRecord({ ...inv, attempt_count: 3, status: 'paid' }), { eventType: 'invoice.payment_failed' });
    expect(failedPayments.length).toBe(n + 2);
  });

  it('checkout.completed is emitted once for a completed session, and once more when its async payment succeeds', async () => {
    const session = f.checkoutSession({ payment_status: 'unpaid' });
    const n = checkouts.length;
    await project(checkoutSessionRecord(session), { eventType: 'checkout.session.completed' });
    await project(checkoutSessionRecord(session), { eventType: 'checkout.session.completed' });
    await project(checkoutSessionRecord({ ...session, payment_status: 'paid' }), { eventType: 'checkout.session.async_payment_succeeded' });
    await project(checkoutSessionRecord({ ...session, payment_status: 'paid' }), { eventType: 'checkout.session.expired' });
    expect(checkouts.slice(n)).toHaveLength(2);
    expect(checkouts.at(-1)).toEqual({
      tenantId,
      mode: 'test',
      session: session.id,
      customer: 'cus_x',
      subscription: 'sub_x',
      clientReferenceId: 'user_42',
      customerEmail: 'jane@example.test',
      metadata: { plan: 'pro' },
    });
  });

  it('two transactions projecting the same subscription at once take turns and the later read wins', async () => {
    const other = onPostgres ? await t.testDb.openAnother() : t.testDb.db;
    const projector = createProjector({ events: t.services.events, clock: t.clock });
    const base = f.subscription({ status: 'active' });
    const reads = Array.from({ length: 8 }, (_, i) => ({ seq: ++seq, record: subscriptionRecord({ ...base, status: i % 2 ? 'past_due' : 'active', cancel_at_period_end: i === 7 }) }));
    const n = changes.length;
    await Promise.all(
      [...reads].reverse().map((r, i) =>
        withTenant(i % 2 ? other : t.testDb.db, tenantId, (tx) =>
          projector.project(tx, { tenantId, mode: 'test', readSeq: r.seq, eventType: 'customer.subscription.updated', eventId: `evt_${i}` }, r.record),
        ),
      ),
    );
    const stored = await row('subscriptions', base.id);
    expect(stored).toMatchObject({ status: 'past_due', cancel_at_period_end: true });
    expect(String(stored!.read_seq)).toBe(String(reads[7]!.seq));
    // every emitted change starts where the previous one ended: no change announced twice or from stale state
    const emitted = changes.slice(n).filter((c) => c.subscription === base.id);
    expect(emitted[0]!.before).toBeNull();
    for (let i = 1; i < emitted.length; i++) expect(emitted[i]!.before).toEqual(emitted[i - 1]!.after);
    expect(emitted.at(-1)!.after).toMatchObject({ status: 'past_due', cancelAtPeriodEnd: true });
  });

  it('rows of another tenant are invisible even to a query that forgets its filter', async () => {
    const otherTenant = (await signUp(t.app, { email: 'other@ledger.test', password: PASSWORD, tenant_name: 'Other' })).tenantId;
    const sub = f.subscription();
    await project(subscriptionRecord(sub));
    const seen = await withTenant(t.testDb.db, otherTenant, async (tx) => (await tx.query('select count(*)::int as n from subscriptions')).rows[0]!.n);
    expect(seen).toBe(0);
  });
});
