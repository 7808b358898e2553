/**
 * Entitlements end to end on the Stripe sandbox: paying through the hosted
 * Checkout page, canceling in the portal, failing renewals with a grace
 * period, and grants — each observed through the check endpoint. Tollgate's
 * clock follows the sandbox test clock, so "now" means the same on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp } from '../../test/app.ts';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';

const DAY = 24 * 3600;

describe('entitlements', () => {
  let env: StripeTestEnv;
  let priceId: string;

  beforeAll(async () => {
    env = await createStripeTestEnv();
    await env.connect();
    await env.api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await env.api('POST', '/v1/features', { key: 'projects', name: 'Projects', type: 'limit' });
    await env.api('POST', '/v1/products', { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }, { feature: 'projects', value: 10 }] });
    await env.api('POST', '/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 1500, interval: 'month' });
    await env.t.services.jobs.drain();
    priceId = (await env.api('GET', '/v1/catalog/mapping')).json()['pro.monthly'];
  });
  afterAll(async () => env.close());

  /** Lets every webhook arrive and be processed. */
  async function settle() {
    for (let i = 0; i < 3; i++) {
      await env.sandbox.waitForDeliveries();
      await env.t.services.jobs.drain();
    }
  }

  const check = async (customer: string, feature: string) => (await env.api('GET', `/v1/entitlements/check?customer=${customer}&feature=${feature}`)).json();

  /** An app customer whose Stripe customer lives on a new test clock; Tollgate's clock starts at the same instant. */
  async function customerOnClock(externalId: string) {
    const frozen = Math.floor(env.sandbox.clock.now()) + 0;
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    env.t.clock.set(frozen * 1000);
    const app = (await env.api('PUT', `/v1/customers/${externalId}`, { email: `${externalId}@x.test` })).json();
    const stripeCustomer = await env.stripe.customers.create({ email: app.email, test_clock: clock.id, metadata: { tollgate_customer_id: app.id } });
    await env.t.services.inTenant(env.owner.tenantId, (tx) => env.t.services.customers.linkStripe(tx, env.owner.tenantId, app.id, stripeCustomer.id));
    const advance = async (seconds: number) => {
      const target = (await env.stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time + seconds;
      await env.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: target });
      await expect.poll(async () => (await env.stripe.testHelpers.testClocks.retrieve(clock.id)).status, { timeout: 10_000 }).toBe('ready');
      env.t.clock.set(target * 1000);
      await settle();
    };
    return { app, stripeCustomer, advance };
  }

  async function payWithCheckout(stripeCustomer: string, card = 'pm_card_visa') {
    const session = await env.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: stripeCustomer,
      line_items: [{ price: priceId, quantity: 1 }],
      success_url: `${env.url}/ok?session={CHECKOUT_SESSION_ID}`,
      cancel_url: `${env.url}/cancel`,
    });
    const res = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ payment_method: card }), redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${env.url}/ok?session=${session.id}`);
    await settle();
    return (await env.stripe.subscriptions.list({ customer: stripeCustomer })).data[0]!;
  }

  it('a customer with no entitlement is never allowed, known or not', async () => {
    expect(await check('nobody', 'export_pdf')).toEqual({ allowed: false, value: null, source: null, valid_until: null });
    await env.api('PUT', '/v1/customers/free-user', {});
    expect(await check('free-user', 'export_pdf')).toMatchObject({ allowed: false });
    expect((await env.api('GET', '/v1/customers/free-user/entitlements')).json().entitlements).toEqual([]);
  });

  it('a publishable key cannot read entitlements, and another tenant sees none of them', async () => {
    const pk = (await env.owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'publishable', mode: 'test' } })).json().key;
    const viaPk = await env.t.app.inject({ method: 'GET', url: '/v1/entitlements/check?customer=payer&feature=export_pdf', headers: bearer(pk) });
    expect(viaPk.statusCode).toBe(403);
    expect((await env.t.app.inject({ method: 'GET', url: '/v1/customers/payer/entitlements', headers: bearer(pk) })).statusCode).toBe(403);
    const other = await signUp(env.t.app, { email: 'other@globex.test', password: PASSWORD });
    const key = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    await env.api('POST', '/v1/grants', { customer: 'vip', product: 'pro', reason: 'friend' });
    expect(await check('vip', 'export_pdf')).toMatchObject({ allowed: true });
    const res = await env.t.app.inject({ method: 'GET', url: '/v1/entitlements/check?customer=vip&feature=export_pdf', headers: bearer(key) });
    expect(res.json()).toMatchObject({ allowed: false });
    expect((await env.t.app.inject({ method: 'GET', url: '/v1/customers/vip/entitlements', headers: bearer(key) })).statusCode).toBe(404);
    expect((await env.t.app.inject({ method: 'GET', url: '/v1/grants?customer=vip', headers: bearer(key) })).statusCode).toBe(404);
    const grantId = (await env.api('GET', '/v1/grants?customer=vip')).json().data[0].id;
    expect((await env.t.app.inject({ method: 'DELETE', url: `/v1/grants/${grantId}`, headers: bearer(key) })).statusCode).toBe(404);
    expect(await check('vip', 'export_pdf')).toMatchObject({ allowed: true });
  });

  it('live mode is separate: a test-mode grant gives nothing in live mode', async () => {
    const live = (await env.owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'live' } })).json().key;
    const res = await env.t.app.inject({ method: 'GET', url: '/v1/entitlements/check?customer=vip&feature=export_pdf', headers: bearer(live) });
    expect(res.json()).toMatchObject({ allowed: false });
  });

  it('paying through the hosted Checkout page unlocks the product’s features', async () => {
    const { stripeCustomer } = await customerOnClock('payer');
    expect(await check('payer', 'export_pdf')).toMatchObject({ allowed: false });
    const sub = await payWithCheckout(stripeCustomer.id);
    expect(sub.status).toBe('active');
    const periodEnd = sub.items.data[0]!.current_period_end;
    expect(await check('payer', 'export_pdf')).toEqual({ allowed: true, value: null, source: 'subscription', valid_until: new Date((periodEnd + DAY) * 1000).toISOString() });
    expect(await check('payer', 'projects')).toMatchObject({ allowed: true, value: 10 });
    const all = (await env.api('GET', '/v1/customers/payer/entitlements')).json();
    expect(all.entitlements.map((e: { feature: string }) => e.feature)).toEqual(['export_pdf', 'projects']);
  });

  it('a portal cancel at period end keeps access until the period ends, then revokes it', async () => {
    const { stripeCustomer, advance } = await customerOnClock('leaver');
    const sub = await payWithCheckout(stripeCustomer.id);
    const portal = await env.stripe.billingPortal.sessions.create({ customer: stripeCustomer.id, return_url: `${env.url}/back` });
    const res = await fetch(portal.url, { method: 'POST', body: new URLSearchParams({ action: 'cancel', subscription: sub.id }), redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([303, `${env.url}/back`]);
    await settle();
    const periodEnd = sub.items.data[0]!.current_period_end;
    expect(await check('leaver', 'export_pdf')).toEqual({ allowed: true, value: null, source: 'subscription', valid_until: new Date(periodEnd * 1000).toISOString() });
    await advance(periodEnd - Math.floor(env.t.clock.now().getTime() / 1000) - DAY);
    expect(await check('leaver', 'export_pdf')).toMatchObject({ allowed: true });
    await advance(2 * DAY);
    expect((await env.stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    expect(await check('leaver', 'export_pdf')).toMatchObject({ allowed: false, source: null });
  });

  it('a failing renewal goes past_due: allowed during the grace period, revoked after it', async () => {
    const { stripeCustomer, advance } = await customerOnClock('late-payer');
    const sub = await payWithCheckout(stripeCustomer.id);
    const failing = await env.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: stripeCustomer.id });
    await env.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await env.stripe.customers.update(stripeCustomer.id, { invoice_settings: { default_payment_method: failing.id } });
    await settle();
    const periodEnd = sub.items.data[0]!.current_period_end;
    await advance(periodEnd - Math.floor(env.t.clock.now().getTime() / 1000) + 60);
    expect((await env.stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
    const during = await check('late-payer', 'export_pdf');
    expect(during).toMatchObject({ allowed: true, source: 'subscription' });
    // Grace: 3 days (the default) from the first failed payment.
    expect(new Date(during.valid_until).getTime() - periodEnd * 1000).toBeGreaterThanOrEqual(3 * DAY * 1000);
    expect(new Date(during.valid_until).getTime() - periodEnd * 1000).toBeLessThanOrEqual(3 * DAY * 1000 + 120_000);
    // The tenant's grace period applies at once when it changes.
    expect((await env.api('PATCH', '/v1/settings', { grace_days: 0 })).json()).toMatchObject({ grace_days: 0 });
    expect(await check('late-payer', 'export_pdf')).toMatchObject({ allowed: false });
    await env.api('PATCH', '/v1/settings', { grace_days: 3 });
    expect(await check('late-payer', 'export_pdf')).toMatchObject({ allowed: true, valid_until: during.valid_until });
    await advance(2 * DAY);
    expect(await check('late-payer', 'export_pdf')).toMatchObject({ allowed: true });
    // Day 3 after the failure: the grace is over before Stripe's next retry (day 3) can succeed or fail.
    env.t.clock.set(new Date(during.valid_until).getTime() + 1000);
    expect(await check('late-payer', 'export_pdf')).toMatchObject({ allowed: false });
    // The sweeper makes it final in the table (and tells the tenant's webhooks).
    expect(await env.t.services.entitlements.sweep()).toBeGreaterThanOrEqual(1);
    expect((await env.api('GET', '/v1/customers/late-payer/entitlements')).json().entitlements).toEqual([]);
  });

  it('a grant gives access without a subscription; revoking it removes the access at once', async () => {
    const created = await env.api('POST', '/v1/grants', { customer: 'partner', product: 'pro', reason: 'partner program' });
    expect(created.statusCode).toBe(201);
    const grant = created.json();
    expect(grant).toMatchObject({ customer: 'partner', product: 'pro', granted_by: expect.stringMatching(/^api_key:/), revoked_at: null });
    expect(await check('partner', 'export_pdf')).toEqual({ allowed: true, value: null, source: 'grant', valid_until: null });
    expect(await check('partner', 'projects')).toMatchObject({ allowed: true, value: 10, source: 'grant' });
    const revoked = await env.api('DELETE', `/v1/grants/${grant.id}`);
    expect(revoked.json()).toMatchObject({ revoked_at: expect.any(String), revoked_by: expect.stringMatching(/^api_key:/) });
    expect(await check('partner', 'export_pdf')).toMatchObject({ allowed: false });
  });

  it('a feature grant with a bigger limit beats the subscription’s, until it expires', async () => {
    const { stripeCustomer } = await customerOnClock('grantee');
    await payWithCheckout(stripeCustomer.id);
    const expires = new Date(env.t.clock.now().getTime() + 2 * DAY * 1000).toISOString();
    await env.api('POST', '/v1/grants', { customer: 'grantee', feature: 'projects', value: 50, reason: 'support comp', expires_at: expires });
    expect(await check('grantee', 'projects')).toMatchObject({ allowed: true, value: 50, source: 'grant' });
    env.t.clock.advance(2 * DAY * 1000 + 1000);
    await env.t.services.entitlements.sweep();
    expect(await check('grantee', 'projects')).toMatchObject({ value: 10, source: 'subscription' });
  });

  it('refuses bad grants with clear errors', async () => {
    const both = await env.api('POST', '/v1/grants', { customer: 'x', product: 'pro', feature: 'projects', reason: 'r' });
    expect(both.json().error.code).toBe('grant_target_invalid');
    const unknown = await env.api('POST', '/v1/grants', { customer: 'x', product: 'nope', reason: 'r' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'product_not_found']);
    const boolValue = await env.api('POST', '/v1/grants', { customer: 'x', feature: 'export_pdf', value: 3, reason: 'r' });
    expect(boolValue.json().error.code).toBe('grant_value_invalid');
    const past = await env.api('POST', '/v1/grants', { customer: 'x', feature: 'export_pdf', reason: 'r', expires_at: '2000-01-01T00:00:00Z' });
    expect(past.json().error.code).toBe('grant_expiry_past');
    expect((await env.api('DELETE', '/v1/grants/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
  });

  it('changing a product’s features changes its holders’ entitlements in the same transaction', async () => {
    const { stripeCustomer } = await customerOnClock('holder');
    await payWithCheckout(stripeCustomer.id);
    await env.api('PATCH', '/v1/products/pro', { features: [{ feature: 'export_pdf' }, { feature: 'projects', value: 20 }] });
    expect(await check('holder', 'projects')).toMatchObject({ value: 20 });
    await env.api('PATCH', '/v1/products/pro', { features: [{ feature: 'projects', value: 20 }] });
    expect(await check('holder', 'export_pdf')).toMatchObject({ allowed: false });
    await env.api('PATCH', '/v1/products/pro', { features: [{ feature: 'export_pdf' }, { feature: 'projects', value: 10 }] });
    expect(await check('holder', 'export_pdf')).toMatchObject({ allowed: true });
  });

  it('the fast lane (cached checks over real HTTP) answers exactly like the route, and a revoked key stops at once', async () => {
    await env.api('POST', '/v1/grants', { customer: 'lane', feature: 'projects', value: 7, reason: 'lane test' });
    const fastCount = async () => Number(/tollgate_entitlement_fast_lane_total (\d+)/.exec((await env.t.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? 0);
    const before = await fastCount();
    const get = (path: string, key = env.secretKey) => fetch(`${env.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    for (const path of ['/v1/entitlements/check?customer=lane&feature=projects', '/v1/entitlements/check?customer=lane&feature=export_pdf', '/v1/entitlements/check?customer=nobody-here&feature=projects']) {
      const viaRoute = await env.api('GET', path);
      const start = await fastCount();
      // The first answers fill the cache (a change notification arriving late may empty it once more).
      for (let i = 0; i < 10 && (await fastCount()) === start; i++) {
        const res = await get(path);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await res.json()).toEqual(viaRoute.json());
      }
      expect(await fastCount()).toBeGreaterThan(start);
    }
    expect(await fastCount()).toBeGreaterThanOrEqual(before + 3);
    // Invalid input still gets the route's errors.
    expect((await get('/v1/entitlements/check?customer=lane')).status).toBe(400);
    expect((await get('/v1/entitlements/check?customer=lane&feature=BAD KEY')).status).toBe(400);
    // A key revoked in this process is refused on the very next request.
    const extra = (await env.api('POST', '/v1/api_keys', { kind: 'secret' })).json();
    expect((await get('/v1/entitlements/check?customer=lane&feature=projects', extra.key)).status).toBe(200);
    expect((await get('/v1/entitlements/check?customer=lane&feature=projects', extra.key)).status).toBe(200);
    await env.api('DELETE', `/v1/api_keys/${extra.id}`);
    expect((await get('/v1/entitlements/check?customer=lane&feature=projects', extra.key)).status).toBe(401);
  });

  it('fails closed with 503 when the database is unreachable and nothing is cached', async () => {
    const original = env.t.testDb.db.transaction;
    env.t.testDb.db.transaction = async () => {
      throw new Error('connection refused');
    };
    try {
      const res = await env.api('GET', '/v1/entitlements/check?customer=someone-new&feature=export_pdf');
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('entitlements_unavailable');
    } finally {
      env.t.testDb.db.transaction = original;
    }
  });
});

