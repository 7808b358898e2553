/**
 * Checkout, customer tokens, the portal and checkout rate limits, end to end
 * on the Stripe sandbox: sessions are created through the API, paid on the
 * sandbox's hosted page, and the webhooks it sends are processed for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp } from '../../test/app.ts';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import { createLogger } from '../log/logger.ts';

describe('checkout and the customer portal', () => {
  let env: StripeTestEnv;
  let pk: string;
  let origin: string;
  const warnings: Array<Record<string, any>> = [];

  async function settle() {
    for (let round = 0; round < 10; round++) {
      await env.sandbox.waitForDeliveries(30_000);
      if ((await env.t.services.jobs.drain()) === 0) return;
    }
  }

  /** POSTs the hosted Checkout page as a buyer would, then lets every webhook be processed. */
  async function pay(url: string, extra: Record<string, string> = {}) {
    const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa', ...extra }), redirect: 'manual' });
    expect(res.status).toBe(303);
    await settle();
    return res.headers.get('location');
  }

  const asBrowser = (method: 'POST', url: string, payload: unknown, token?: string, ip = '203.0.113.7') =>
    env.t.app.inject({
      method,
      url,
      remoteAddress: ip,
      headers: { ...bearer(pk), ...(token ? { 'tollgate-customer-token': token } : {}) },
      payload: payload as Record<string, unknown>,
    });

  const mint = async (customer: string, ttl?: number) => (await env.api('POST', '/v1/customer_tokens', { customer, ...(ttl ? { ttl_seconds: ttl } : {}) })).json().token as string;

  const checkoutBody = (extra: Record<string, unknown> = {}) => ({
    price: 'pro.monthly',
    success_url: `${origin}/welcome?session={CHECKOUT_SESSION_ID}`,
    cancel_url: `${origin}/pricing`,
    ...extra,
  });

  beforeAll(async () => {
    env = await createStripeTestEnv({
      sandbox: { webhookRetrySchedule: [20, 40, 80], tickMs: 0 },
      logger: createLogger({ level: 'warn', destination: { write: (line: string) => void warnings.push(JSON.parse(line)) } }),
    });
    origin = env.url;
    pk = (await env.owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'publishable', mode: 'test' } })).json().key;
    await env.api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await env.api('POST', '/v1/products', { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }] });
    await env.api('POST', '/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 1500, interval: 'month', trial_days: 7 });
    await env.api('POST', '/v1/prices', { key: 'pro.lifetime', product: 'pro', currency: 'usd', unit_amount: 9900 });
  });
  afterAll(async () => env.close());

  it('refuses to start a Checkout before allowed origins are set, saying how to set them', async () => {
    expect((await env.api('GET', '/v1/settings')).json()).toEqual({ allowed_origins: [], grace_days: 3, config_cache_ttl_seconds: null });
    const res = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'early' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('allowed_origins_not_set');
    expect(res.json().error.message).toContain('PATCH /v1/settings');
    const bad = await env.api('PATCH', '/v1/settings', { allowed_origins: ['ftp://files.example.com'] });
    expect([bad.statusCode, bad.json().error.details[0].path]).toEqual([400, 'allowed_origins.0']);
    const withPath = await env.api('PATCH', '/v1/settings', { allowed_origins: ['https://app.example.com/pricing'] });
    expect(withPath.statusCode).toBe(400);
    const set = await env.api('PATCH', '/v1/settings', { allowed_origins: [`${origin}/`, 'https://App.Example.com'] });
    expect(set.json()).toEqual({ allowed_origins: [origin, 'https://app.example.com'], grace_days: 3, config_cache_ttl_seconds: null });
  });

  it('needs a connected Stripe account, and a price pushed to it', async () => {
    const notConnected = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'early' }));
    expect([notConnected.statusCode, notConnected.json().error.code]).toEqual([409, 'stripe_not_connected']);
    await env.connect();
    const notSynced = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'early' }));
    expect([notSynced.statusCode, notSynced.json().error.code]).toEqual([409, 'price_not_synced']);
    await env.t.services.jobs.drain();
    await env.api('POST', '/v1/prices', { key: 'pro.old', product: 'pro', currency: 'usd', unit_amount: 1000, interval: 'month' });
    await env.api('DELETE', '/v1/prices/pro.old');
    await env.t.services.jobs.drain();
    const archived = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'early', price: 'pro.old' }));
    expect([archived.statusCode, archived.json().error.code]).toEqual([409, 'price_archived']);
    const unknown = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'early', price: 'gold.monthly' }));
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'price_not_found']);
    const nobody = await env.api('POST', '/v1/checkout/sessions', checkoutBody());
    expect([nobody.statusCode, nobody.json().error.code]).toEqual([400, 'customer_required']);
  });

  it('refuses redirect URLs outside the allowed origins', async () => {
    for (const body of [checkoutBody({ customer: 'early', success_url: 'https://evil.example.net/ok' }), checkoutBody({ customer: 'early', cancel_url: 'javascript:alert(1)' })]) {
      const res = await env.api('POST', '/v1/checkout/sessions', body);
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'redirect_not_allowed']);
    }
  });

  it('with the secret key: a subscription Checkout for the customer, tagged with the Tollgate customer', async () => {
    const res = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'alice', customer_email: 'alice@example.test' }));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ id: expect.stringMatching(/^cs_test_/), url: expect.stringContaining('/checkout/cs_test_'), customer: 'alice', price: 'pro.monthly', mode: 'test' });
    const alice = (await env.api('GET', '/v1/customers/alice')).json();
    expect(alice).toMatchObject({ email: 'alice@example.test', stripe_customer_id: expect.stringMatching(/^cus_/) });
    const session = await env.stripe.checkout.sessions.retrieve(body.id);
    expect(session).toMatchObject({
      mode: 'subscription',
      customer: alice.stripe_customer_id,
      client_reference_id: alice.id,
      metadata: { tollgate_customer_id: alice.id, tollgate_external_id: 'alice', tollgate_price_key: 'pro.monthly' },
    });
    const mapping = (await env.api('GET', '/v1/catalog/mapping')).json();
    const items = await env.stripe.checkout.sessions.listLineItems(body.id);
    expect(items.data[0]!.price!.id).toBe(mapping['pro.monthly']);
  });

  it('a one-time price opens a payment-mode Checkout', async () => {
    const res = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'alice', price: 'pro.lifetime', quantity: 2 }));
    expect(res.statusCode).toBe(201);
    const session = await env.stripe.checkout.sessions.retrieve(res.json().id);
    expect(session.mode).toBe('payment');
  });

  it('with the publishable key: only with a valid customer token, and only for that customer', async () => {
    const noToken = await asBrowser('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'bob' }));
    expect([noToken.statusCode, noToken.json().error.code]).toEqual([401, 'customer_token_required']);
    expect((await env.t.app.inject({ method: 'POST', url: '/v1/customer_tokens', headers: bearer(pk), payload: { customer: 'bob' } })).statusCode).toBe(403);

    const minted = await env.api('POST', '/v1/customer_tokens', { customer: 'bob' });
    expect(minted.statusCode).toBe(201);
    const { token, expires_at } = minted.json();
    expect(new Date(expires_at).getTime() - env.t.clock.now().getTime()).toBe(15 * 60 * 1000);

    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), forged)).json().error.code).toBe('customer_token_invalid');
    const [prefix, , mac] = token.split('.');
    const tampered = `${prefix}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()), c: 'mallory' })).toString('base64url')}.${mac}`;
    expect((await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), tampered)).statusCode).toBe(401);

    const other = await asBrowser('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'alice' }), token);
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'customer_token_mismatch']);
    const trial = await asBrowser('POST', '/v1/checkout/sessions', checkoutBody({ trial_days: 365 }), token);
    expect([trial.statusCode, trial.json().error.code]).toEqual([403, 'trial_days_needs_secret_key']);

    const ok = await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), token);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().customer).toBe('bob');
    const session = await env.stripe.checkout.sessions.retrieve(ok.json().id);
    expect(session.metadata).toMatchObject({ tollgate_external_id: 'bob' });

    const short = await mint('bob', 60);
    env.t.clock.advance(61_000);
    const expired = await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), short);
    expect([expired.statusCode, expired.json().error.code]).toEqual([401, 'customer_token_expired']);
  });

  it("a token of one tenant is worthless with another tenant's publishable key, and other tenants' customers are 404", async () => {
    const other = await signUp(env.t.app, { email: 'owner@globex.test', password: PASSWORD, tenant_name: 'Globex' });
    const keys = async (kind: string) => (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind, mode: 'test' } })).json().key as string;
    const [otherPk, otherSk] = [await keys('publishable'), await keys('secret')];
    const token = await mint('bob');
    const res = await env.t.app.inject({ method: 'POST', url: '/v1/checkout/sessions', headers: { ...bearer(otherPk), 'tollgate-customer-token': token }, payload: checkoutBody() });
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'customer_token_invalid']);
    const portal = await env.t.app.inject({ method: 'POST', url: '/v1/portal/sessions', headers: bearer(otherSk), payload: { customer: 'alice', return_url: `${origin}/account` } });
    expect([portal.statusCode, portal.json().error.code]).toEqual([404, 'customer_not_found']);
  });

  it('paying on the hosted page records the subscription; a second Checkout for the product points to the portal', async () => {
    const created = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'carol' }))).json();
    expect(await pay(created.url)).toBe(`${origin}/welcome?session=${created.id}`);
    const carol = (await env.api('GET', '/v1/customers/carol')).json();
    const subs = (await env.api('GET', '/v1/subscriptions')).json().data.filter((s: { customer: string }) => s.customer === carol.stripe_customer_id);
    expect(subs).toHaveLength(1);
    expect(subs[0].status).toBe('trialing'); // the price's 7-day trial
    const stripeSub = await env.stripe.subscriptions.retrieve(subs[0].id);
    expect(stripeSub.metadata).toMatchObject({ tollgate_customer_id: carol.id, tollgate_external_id: 'carol', tollgate_price_key: 'pro.monthly' });
    expect((await env.api('GET', '/v1/entitlements/check?customer=carol&feature=export_pdf')).json()).toMatchObject({ allowed: true });

    const again = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'carol' }));
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'already_subscribed',
      details: { subscription: subs[0].id, status: 'trialing', product: 'pro', portal: { method: 'POST', path: '/v1/portal/sessions' } },
    });

    const portal = await env.api('POST', '/v1/portal/sessions', { customer: 'carol', return_url: `${origin}/account` });
    expect(portal.statusCode).toBe(201);
    expect(portal.json().url).toContain('/portal/bps_');
    const page = await fetch(portal.json().url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(subs[0].id);
    const config = (await env.stripe.billingPortal.configurations.list()).data.find((c) => c.metadata?.tollgate_portal === '1')!;
    expect(config.features).toMatchObject({
      subscription_cancel: { enabled: true, mode: 'at_period_end' },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
    });
    // The same configuration is reused.
    await env.api('POST', '/v1/portal/sessions', { customer: 'carol', return_url: `${origin}/account` });
    expect((await env.stripe.billingPortal.configurations.list()).data.filter((c) => c.metadata?.tollgate_portal === '1')).toHaveLength(1);

    // With the publishable key, the token decides whose portal opens.
    const viaToken = await asBrowser('POST', '/v1/portal/sessions', { return_url: `${origin}/account` }, await mint('carol'));
    expect([viaToken.statusCode, viaToken.json().customer]).toEqual([201, 'carol']);
  });

  it('the same Checkout asked twice (a double click) is one session; another for the product expires the first, so two tabs cannot make two subscriptions', async () => {
    const first = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'dora' }))).json();
    const again = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'dora' }))).json();
    expect([again.id, again.url]).toEqual([first.id, first.url]);
    const oneTime = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'dora', price: 'pro.lifetime' }))).json();
    const secondTab = { customer: 'dora', success_url: `${origin}/welcome?tab=2&session={CHECKOUT_SESSION_ID}` };
    const second = (await env.api('POST', '/v1/checkout/sessions', checkoutBody(secondTab))).json();
    expect(second.id).not.toBe(first.id);
    expect((await env.stripe.checkout.sessions.retrieve(first.id)).status).toBe('expired');
    expect((await env.stripe.checkout.sessions.retrieve(oneTime.id)).status).toBe('open'); // a one-time purchase is left alone
    const stale = await fetch(first.url, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' });
    expect(stale.status).not.toBe(303);
    expect(await pay(second.url)).toBe(`${origin}/welcome?tab=2&session=${second.id}`);
    const dora = (await env.api('GET', '/v1/customers/dora')).json();
    const subs = (await env.api('GET', '/v1/subscriptions')).json().data.filter((s: { customer: string }) => s.customer === dora.stripe_customer_id);
    expect(subs).toHaveLength(1);
  });

  it('copies of one request in flight at once make one session; going back to an earlier choice gets a payable session', async () => {
    await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'fay', price: 'pro.lifetime' })); // fay now has a Stripe customer
    const [a, b] = await Promise.all([0, 1].map(async () => (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'fay' }))).json()));
    expect(b.id).toBe(a.id);
    const other = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'fay', cancel_url: `${origin}/pricing?tab=2` }))).json();
    expect((await env.stripe.checkout.sessions.retrieve(a.id)).status).toBe('expired');
    const back = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'fay' }))).json();
    expect(back.id).not.toBe(a.id); // the first one was expired by the other tab: a new one, not a replay of it
    expect((await env.stripe.checkout.sessions.retrieve(back.id)).status).toBe('open');
    expect((await env.stripe.checkout.sessions.retrieve(other.id)).status).toBe('expired');
  });

  it('a Checkout paid a moment ago, before its webhooks are processed, still makes a second one a 409', async () => {
    const first = (await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'erin' }))).json();
    const paid = await fetch(first.url, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' });
    expect(paid.status).toBe(303); // paid in Stripe; the ledger has not heard of it yet
    const erin = (await env.api('GET', '/v1/customers/erin')).json();
    expect((await env.api('GET', '/v1/subscriptions')).json().data.filter((s: { customer: string }) => s.customer === erin.stripe_customer_id)).toHaveLength(0);
    const again = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'erin' }));
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'already_subscribed', details: { subscription: expect.stringMatching(/^sub_/), status: 'trialing', product: 'pro' } });
    await settle();
  });

  it('the portal refuses a customer who never bought, and a return URL outside the allowed origins', async () => {
    await env.api('PUT', '/v1/customers/dave', {});
    const none = await env.api('POST', '/v1/portal/sessions', { customer: 'dave', return_url: `${origin}/account` });
    expect([none.statusCode, none.json().error.code]).toEqual([409, 'no_stripe_customer']);
    const elsewhere = await env.api('POST', '/v1/portal/sessions', { customer: 'carol', return_url: 'https://evil.example.net/' });
    expect([elsewhere.statusCode, elsewhere.json().error.code]).toEqual([400, 'redirect_not_allowed']);
  });

  it('an email-only Checkout lets Stripe create the customer, then links it to the app customer email:<address>', async () => {
    const res = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer_email: 'Erin@Example.test', trial_days: 3 }));
    expect(res.statusCode).toBe(201);
    const session = await env.stripe.checkout.sessions.retrieve(res.json().id);
    expect([session.customer, session.customer_email, session.client_reference_id]).toEqual([null, 'erin@example.test', null]);
    await pay(res.json().url, { email: 'erin@example.test' });
    const erin = await env.api('GET', `/v1/customers/${encodeURIComponent('email:erin@example.test')}`);
    expect(erin.statusCode).toBe(200);
    const paid = await env.stripe.checkout.sessions.retrieve(res.json().id);
    expect(erin.json()).toMatchObject({ email: 'erin@example.test', stripe_customer_id: paid.customer });
    const sub = await env.stripe.subscriptions.retrieve(paid.subscription as string);
    expect(sub.trial_end! - sub.trial_start!).toBe(3 * 24 * 3600);
    expect((await env.api('GET', `/v1/entitlements/check?customer=${encodeURIComponent('email:erin@example.test')}&feature=export_pdf`)).json()).toMatchObject({
      allowed: true,
    });
  });

  it('a Stripe customer carrying tollgate_customer_id in its metadata is linked when Stripe announces it', async () => {
    const frank = (await env.api('PUT', '/v1/customers/frank', {})).json();
    const stripeCustomer = await env.stripe.customers.create({ email: 'frank@example.test', metadata: { tollgate_customer_id: frank.id } });
    await settle();
    expect((await env.api('GET', '/v1/customers/frank')).json().stripe_customer_id).toBe(stripeCustomer.id);
  });

  it('rate limits Checkout per customer and per client IP: 429 with Retry-After, a warning and a metric', async () => {
    for (let i = 0; i < 5; i++) expect((await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'busy' }))).statusCode).toBe(201);
    const limited = await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'busy' }));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited', details: { limit: 'customer' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(500);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(600);
    // Another customer is unaffected.
    expect((await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'calm' }))).statusCode).toBe(201);

    // From one browser address: 20 attempts per window, whoever the customers are.
    const ip = '198.51.100.9';
    for (let i = 0; i < 20; i++) expect((await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), await mint(`visitor-${i}`), ip)).statusCode).toBe(201);
    const byIp = await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), await mint('visitor-20'), ip);
    expect([byIp.statusCode, byIp.json().error.details.limit]).toEqual([429, 'ip']);
    expect(byIp.headers['retry-after']).toMatch(/^\d+$/);
    expect((await asBrowser('POST', '/v1/checkout/sessions', checkoutBody(), await mint('visitor-20'), '198.51.100.10')).statusCode).toBe(201);

    const lines = warnings.filter((w) => String(w.msg).startsWith('checkout rate limit exceeded'));
    expect(lines.map((w) => [w.level, w.tenantId, w.customer, w.ip, w.limit])).toEqual([
      [40, env.owner.tenantId, 'busy', '127.0.0.1', 'customer'],
      [40, env.owner.tenantId, 'visitor-20', ip, 'ip'],
    ]);

    const metrics = await env.t.services.metrics.registry.getSingleMetricAsString('tollgate_checkout_rate_limited_total');
    expect(metrics).toContain('tollgate_checkout_rate_limited_total{limit="customer"} 1');
    expect(metrics).toContain('tollgate_checkout_rate_limited_total{limit="ip"} 1');

    // The window passes.
    env.t.clock.advance(601_000);
    expect((await env.api('POST', '/v1/checkout/sessions', checkoutBody({ customer: 'busy' }))).statusCode).toBe(201);
  });
});
