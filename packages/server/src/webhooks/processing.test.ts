import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp } from '../../test/app.ts';
import { compareLedger, isClean, type LedgerReport } from '../../test/chaos/compare.ts';
import { advance, LIFECYCLES, runLifecycle, setupCatalog, subscribe, switchCard, DAY, type World } from '../../test/chaos/lifecycles.ts';
import { onPostgres } from '../../test/db.ts';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import { createServices, type AppServices } from '../app/services.ts';
import { withSystem } from '../db/scope.ts';
import { createMetrics } from '../http/metrics.ts';
import * as f from '../providers/stripe/fixtures.ts';
import { deliver, endpointOf, storedEvents } from './test-helpers.ts';

function explain(report: LedgerReport): string {
  return JSON.stringify({ events: report.events, lost: report.objects.lost, stale: report.objects.stale.slice(0, 5), doubled: report.doubled }, null, 1);
}

describe('webhook processing against the Stripe sandbox', () => {
  let env: StripeTestEnv;
  let world: World;

  /** Waits for the sandbox's deliveries and runs every due job, until both are quiet. */
  async function settle(services: AppServices[] = [env.t.services]) {
    for (let round = 0; round < 20; round++) {
      await env.sandbox.waitForDeliveries(30_000);
      const ran = (await Promise.all(services.map((s) => s.jobs.drain()))).reduce((a, b) => a + b, 0);
      if (ran === 0) return;
    }
    throw new Error('jobs did not settle');
  }

  async function outbox(type: string, subject?: string) {
    return withSystem(env.t.testDb.db, async (tx) =>
      (await tx.query('select payload from outbox where type = $1 and ($2::text is null or subject = $2) order by id', [type, subject ?? null])).rows.map((r) => r.payload),
    );
  }

  beforeAll(async () => {
    env = await createStripeTestEnv({ sandbox: { webhookRetrySchedule: [20, 40, 80, 160], tickMs: 0 }, env: { TOLLGATE_WEBHOOK_MAX_ATTEMPTS: '2' } });
    await env.connect();
    world = { stripe: env.stripe, sandboxUrl: env.sandbox.url, price: await setupCatalog(env.stripe) };
  });
  afterAll(async () => env.close());

  it('a subscription bought and renewed in Stripe shows up in the ledger, linked to its customer, invoices and charges', async () => {
    const { clock, customer, sub } = await subscribe(world, 'pm_card_visa', 'renew@example.test');
    await advance(env.stripe, clock, 32 * DAY);
    await settle();
    const view = await env.api('GET', `/v1/subscriptions/${sub.id}`);
    expect(view.statusCode).toBe(200);
    const stripeSub = await env.stripe.subscriptions.retrieve(sub.id);
    expect(view.json()).toMatchObject({
      id: sub.id,
      status: 'active',
      customer: customer.id,
      price_ids: [world.price.id],
      current_period_end: new Date(stripeSub.items.data[0]!.current_period_end * 1000).toISOString(),
      past_due_since: null,
      customer_details: { id: customer.id, email: 'renew@example.test' },
    });
    const invoices = (await env.api('GET', `/v1/invoices?subscription=${sub.id}`)).json().data;
    expect(invoices.map((i: { status: string; billing_reason: string }) => [i.billing_reason, i.status])).toEqual([
      ['subscription_cycle', 'paid'],
      ['subscription_create', 'paid'],
    ]);
    const changes = await outbox('subscription.changed', sub.id);
    expect(changes[0].before).toBeNull();
    expect(changes.at(-1).after).toMatchObject({ status: 'active', currentPeriodEnd: new Date(stripeSub.items.data[0]!.current_period_end * 1000).toISOString() });
    const events = (await env.api('GET', `/v1/webhooks/events?object_id=${sub.id}`)).json().data;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e: { status: string; attempts: number }) => e.status === 'processed' && e.attempts === 1)).toBe(true);
    // Stripe Entitlements: the product grants pro_access, and the summary reached the ledger
    const [summary] = await withSystem(env.t.testDb.db, async (tx) => (await tx.query('select * from stripe_entitlement_summaries where stripe_id = $1', [customer.id])).rows);
    expect(summary).toMatchObject({ lookup_keys: ['pro_access'], deleted: false });
    // product.* and price.* events went to the catalog
    const catalogEvents = (await env.api('GET', '/v1/webhooks/events?type=product.*')).json().data;
    expect(catalogEvents[0]).toMatchObject({ status: 'processed', outcome: expect.stringContaining('catalog') });
  });

  it('a detached payment method keeps brand, last 4 and expiry, and no longer belongs to the customer', async () => {
    const { customer } = await subscribe(world, 'pm_card_visa', 'detach@example.test');
    const pm = (await env.stripe.customers.retrieve(customer.id)) as { invoice_settings: { default_payment_method: string } };
    await env.stripe.paymentMethods.detach(pm.invoice_settings.default_payment_method);
    await settle();
    const [row] = await withSystem(env.t.testDb.db, async (tx) => (await tx.query('select * from payment_methods where stripe_id = $1', [pm.invoice_settings.default_payment_method])).rows);
    expect(row).toMatchObject({ stripe_customer_id: null, brand: 'visa', last4: '4242', exp_month: 12 });
    expect(Object.keys(row!.raw).sort()).toEqual(['card', 'created', 'customer', 'id', 'livemode', 'object', 'type']);
  });

  it('account.application.deauthorized marks the tenant’s connection as errored', async () => {
    const other = await signUp(env.t.app, { email: 'revoked@example.test', password: PASSWORD, tenant_name: 'Revoked' });
    const key = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    const secret = f.newWebhookSecret();
    const put = await env.t.app.inject({ method: 'PUT', url: '/v1/providers/stripe/test', headers: bearer(key), payload: { secret_key: env.stripeKey, webhook_secret: secret } });
    expect(put.statusCode).toBe(200);
    const ep = await endpointOf(env.t.services, other.tenantId, env.url);
    expect((await deliver(ep.url, f.event('account.application.deauthorized', { id: 'ca_tollgate', object: 'application', name: 'Tollgate' }), secret)).status).toBe(200);
    await env.t.services.jobs.drain();
    const view = await env.t.app.inject({ method: 'GET', url: '/v1/providers/stripe/test', headers: bearer(key) });
    expect(view.json()).toMatchObject({ status: 'error', status_detail: expect.stringContaining('revoked') });
  });

  it('a failed renewal makes the subscription past due from the failed payment, announces it once, and recovery clears it', async () => {
    const { clock, customer, sub } = await subscribe(world, 'pm_card_visa', 'late@example.test');
    await switchCard(env.stripe, customer.id, 'pm_card_chargeCustomerFail');
    await advance(env.stripe, clock, 32 * DAY);
    await settle();
    const open = (await env.stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0]!;
    const pastDue = (await env.api('GET', `/v1/subscriptions/${sub.id}`)).json();
    expect(pastDue.status).toBe('past_due');
    expect(pastDue.past_due_since).toBe(new Date(open.status_transitions.finalized_at! * 1000).toISOString());
    const failed = await outbox('invoice.payment_failed', open.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ customer: customer.id, subscription: sub.id, attemptCount: 1, amountDue: 1200, currency: 'usd' });
    expect(failed[0].nextPaymentAttempt).not.toBeNull();

    const good = await switchCard(env.stripe, customer.id, 'pm_card_visa');
    await env.stripe.invoices.pay(open.id, { payment_method: good.id });
    await settle();
    const recovered = (await env.api('GET', `/v1/subscriptions/${sub.id}`)).json();
    expect(recovered).toMatchObject({ status: 'active', past_due_since: null });
    const changes = await outbox('subscription.changed', sub.id);
    expect(changes.at(-1)).toMatchObject({ before: { status: 'past_due' }, after: { status: 'active', pastDueSince: null } });
  });

  it('a completed Checkout announces checkout.completed once with the app’s reference', async () => {
    await runLifecycle(world, 'checkout', 7);
    await settle();
    const [session] = (await env.stripe.checkout.sessions.list({ limit: 1 })).data;
    const notices = await outbox('checkout.completed', session!.id);
    expect(notices).toEqual([
      {
        tenantId: env.owner.tenantId,
        mode: 'test',
        session: session!.id,
        customer: session!.customer,
        subscription: session!.subscription,
        clientReferenceId: 'user_7',
        customerEmail: 'checkout-7@chaos.test',
        metadata: { chaos: '7' },
      },
    ]);
  });

  it('disputes and early fraud warnings reach the operator’s lists with their status', async () => {
    await runLifecycle(world, 'dispute', 1);
    await runLifecycle(world, 'fraud_and_refund', 1);
    await settle();
    const disputes = (await env.api('GET', '/v1/disputes')).json().data;
    expect(disputes[0]).toMatchObject({ status: 'won', reason: 'fraudulent', amount: 1200, currency: 'usd' });
    expect(disputes[0].evidence_due_by).toBeNull();
    const warnings = (await env.api('GET', '/v1/fraud_warnings')).json().data;
    expect(warnings[0]).toMatchObject({ fraud_type: 'made_with_stolen_card', actionable: false });
    expect((await env.api('GET', '/v1/fraud_warnings?actionable=true')).json().data).toEqual([]);
  });

  it('the same events delivered to another tenant in reverse order, twice, and processed by two instances at once give the same ledger', async () => {
    const other = await signUp(env.t.app, { email: 'mirror@example.test', password: PASSWORD, tenant_name: 'Mirror' });
    const key = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    // the same Stripe account, with a pasted signing secret: the sandbox delivers nothing to this endpoint, we do
    const connected = await env.t.app.inject({ method: 'PUT', url: '/v1/providers/stripe/test', headers: bearer(key), payload: { secret_key: env.stripeKey, webhook_secret: f.newWebhookSecret() } });
    expect(connected.statusCode).toBe(200);
    await env.t.services.jobs.drain();
    const ep = await endpointOf(env.t.services, other.tenantId, env.url);
    const events = [];
    for await (const e of env.stripe.events.list({ limit: 100 })) events.push(e); // newest first
    // newest first, eight at a time; then all of them again, oldest first
    const inBatches = async (list: object[], check: (r: Awaited<ReturnType<typeof deliver>>) => void) => {
      for (let i = 0; i < list.length; i += 8) for (const r of await Promise.all(list.slice(i, i + 8).map((e) => deliver(ep.url, e, ep.secret)))) check(r);
    };
    await inBatches(events, (r) => expect(r.status).toBe(200));
    await inBatches([...events].reverse(), (r) => expect(r.json).toMatchObject({ duplicate: true }));

    const db2 = onPostgres ? await env.t.testDb.openAnother() : env.t.testDb.db;
    const s = env.t.services;
    const second = createServices({ config: s.config, db: db2, clock: s.clock, logger: s.logger, secrets: s.secrets, metrics: createMetrics(), changes: s.changes, migrations: s.migrations, version: s.version });
    await settle([s, second]);

    const report = await compareLedger({ db: env.t.testDb.db, stripe: env.stripe, tenantId: other.tenantId });
    expect(isClean(report), explain(report)).toBe(true);
    // each event stored once, and processed once (by one of the two instances)
    const stored = await storedEvents(env.t.testDb.db, 'tenant_id = $1', [other.tenantId]);
    expect(stored).toHaveLength(events.length);
    expect(stored.every((e) => (e.status === 'processed' && e.attempts === 1) || e.status === 'ignored')).toBe(true);
  });

  it('every lifecycle, delivered shuffled, duplicated and delayed, ends with a ledger equal to Stripe’s state', async () => {
    env.sandbox.faults.set([
      { kind: 'webhook_reorder', windowMs: 25 },
      { kind: 'webhook_duplicate', rate: 0.5 },
      { kind: 'webhook_delay', rate: 0.3, ms: [0, 30] },
      { kind: 'webhook_drop_first', rate: 0.1 },
    ]);
    try {
      for (const [i, name] of LIFECYCLES.entries()) await runLifecycle(world, name, 100 + i);
      await settle();
    } finally {
      env.sandbox.faults.clear();
    }
    expect(env.sandbox.deliveries().some((d) => d.duplicate)).toBe(true);
    const report = await compareLedger({ db: env.t.testDb.db, stripe: env.stripe, tenantId: env.owner.tenantId });
    expect(isClean(report), explain(report)).toBe(true);
    expect(report.objects.checked).toBeGreaterThan(50);
    expect(Object.keys(report.objects.byKind).sort()).toEqual(
      ['charge', 'checkout_session', 'customer', 'dispute', 'early_fraud_warning', 'entitlement_summary', 'invoice', 'payment_intent', 'payment_method', 'refund', 'subscription'].sort(),
    );
  });

  it('a Stripe API failure while processing is retried with backoff and shows its error meanwhile', async () => {
    const sub = (await subscribe(world, 'pm_card_visa', 'flaky@example.test')).sub;
    await env.sandbox.waitForDeliveries(10_000);
    // every try of the first read fails (the SDK itself tries three times)
    env.sandbox.faults.set([{ kind: 'api_error', paths: [`/v1/subscriptions/${sub.id}`], methods: ['GET'], status: 503, limit: 3 }]);
    try {
      await env.t.services.jobs.drain();
    } finally {
      env.sandbox.faults.clear();
    }
    const retrying = (await env.api('GET', `/v1/webhooks/events?object_id=${sub.id}&status=retrying`)).json();
    expect(retrying.data).toHaveLength(1);
    expect(retrying.data[0]).toMatchObject({ status: 'retrying', attempts: 1, last_error: expect.stringContaining('StripeAPIError') });
    expect(retrying.data[0].next_attempt_at).not.toBeNull();
    expect(retrying.summary.retrying).toBe(1);
    env.t.clock.advance(60_000);
    await env.t.services.jobs.drain();
    expect((await env.api('GET', `/v1/webhooks/events/${retrying.data[0].id}`)).json()).toMatchObject({ status: 'processed', attempts: 2, last_error: null });
    expect((await env.api('GET', `/v1/subscriptions/${sub.id}`)).json()).toMatchObject({ status: 'active' });
  });

  it('an event that cannot be processed ends failed with its error, and a replay after the fix processes it', async () => {
    // a tenant whose Stripe connection was removed still has events delivered to its old endpoint
    const other = await signUp(env.t.app, { email: 'gone@example.test', password: PASSWORD, tenant_name: 'Gone' });
    const key = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      env.t.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
    const secret = f.newWebhookSecret();
    expect((await api('PUT', '/v1/providers/stripe/test', { secret_key: env.stripeKey, webhook_secret: secret })).statusCode).toBe(200);
    const ep = await endpointOf(env.t.services, other.tenantId, env.url);
    expect((await api('DELETE', '/v1/providers/stripe/test')).statusCode).toBe(200);
    const customer = await env.stripe.customers.create({ email: 'orphan@example.test' });
    const [created] = (await env.stripe.events.list({ type: 'customer.created', limit: 1 })).data;
    expect((await deliver(ep.url, created!, ep.secret)).status).toBe(200);

    await env.t.services.jobs.drain();
    env.t.clock.advance(60_000);
    await env.t.services.jobs.drain();
    const failed = (await api('GET', '/v1/webhooks/events?status=failed')).json();
    expect(failed.data).toHaveLength(1);
    expect(failed.data[0]).toMatchObject({ id: created!.id, status: 'failed', attempts: 2, next_attempt_at: null, object: { type: 'customer', id: customer.id } });
    expect(failed.data[0].last_error).toContain('No Stripe account is connected');
    expect(failed.summary).toMatchObject({ failed: 1 });

    expect((await api('PUT', '/v1/providers/stripe/test', { secret_key: env.stripeKey, webhook_secret: secret })).statusCode).toBe(200);
    const replay = await api('POST', '/v1/webhooks/events/replay');
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toEqual({ replayed: 1, has_more: false });
    await env.t.services.jobs.drain();
    expect((await api('GET', `/v1/webhooks/events/${created!.id}`)).json()).toMatchObject({ status: 'processed', last_error: null });
    const [row] = await withSystem(env.t.testDb.db, async (tx) => (await tx.query('select * from stripe_customers where tenant_id = $1', [other.tenantId])).rows);
    expect(row).toMatchObject({ stripe_id: customer.id, email: 'orphan@example.test' });
  });
});
