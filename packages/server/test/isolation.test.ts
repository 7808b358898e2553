/**
 * Tenant isolation on every route. Tenant A has one of everything (catalog,
 * customer, grant, paid subscription, Stripe events, outbound endpoint and
 * deliveries, API key, invitation, console session); tenant B then calls
 * every route of the API document with A's identifiers. Each answer is a 404
 * (or, for the routes that name the caller's own resource, an answer about
 * B alone), no answer carries any of A's identifiers, and afterwards A's
 * objects are exactly as they were. A route added to the API without an
 * entry in the table below fails this test until someone decides how it is
 * isolated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp, type Console } from './app.ts';
import { createStripeTestEnv, type StripeTestEnv } from './stripe.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** How a parameterized route is called with A's identifiers, and what B may get. */
interface Probe {
  path: string;
  body?: Record<string, unknown>;
  /** B uses its console session rather than its secret key. */
  session?: boolean;
  /** `own`: the route names the caller's own resource (a mode, an upsert by B's own id). */
  expect: 404 | 'own';
}

describe('tenant isolation on every route', () => {
  let a: StripeTestEnv;
  let b: Console;
  let bKey: string;
  let aSecrets: string[] = [];
  let probes: Record<string, Probe>;
  let before: Record<string, unknown>;

  /** What A can see of its own objects: compared before and after B's calls. */
  async function snapshotOfA(ids: Record<string, string>) {
    const get = async (url: string) => {
      const res = await a.api('GET', url);
      return { status: res.statusCode, body: res.json() as unknown };
    };
    const session = await a.owner.request({ method: 'GET', url: '/api/sessions' });
    const invitations = await a.owner.request({ method: 'GET', url: '/api/invitations' });
    const members = await a.owner.request({ method: 'GET', url: '/api/members' });
    return {
      feature: await get('/v1/features/export_pdf'),
      product: await get('/v1/products/pro'),
      price: await get('/v1/prices/pro.monthly'),
      customer: await get('/v1/customers/alice'),
      entitlements: await get('/v1/customers/alice/entitlements'),
      grants: await get('/v1/grants'),
      endpoint: await get(`/v1/webhook_endpoints/${ids.endpoint}`),
      subscription: await get(`/v1/subscriptions/${ids.subscription}`),
      provider: await get('/v1/providers/stripe/test'),
      // (last_used_at moves whenever A itself calls)
      keys: ((await a.api('GET', '/v1/api_keys')).json().data as Array<Record<string, unknown>>).map(({ last_used_at: _, ...key }) => key),
      sessions: { status: session.statusCode, ids: (session.json().data as Array<{ id: string }>).map((s) => s.id).sort() },
      invitations: { status: invitations.statusCode, body: invitations.json() as unknown },
      members: { status: members.statusCode, body: members.json() as unknown },
    };
  }

  beforeAll(async () => {
    a = await createStripeTestEnv();
    await a.connect();
    await a.api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await a.api('POST', '/v1/products', { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }] });
    await a.api('POST', '/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 900, interval: 'month' });
    await a.api('PATCH', '/v1/settings', { allowed_origins: [a.url] });
    await a.t.services.jobs.drain();
    const endpoint = (await a.api('POST', '/v1/webhook_endpoints', { url: `${a.url}/hooks` })).json();
    await a.api('PUT', '/v1/customers/alice', { email: 'alice@a.test' });
    const grant = (await a.api('POST', '/v1/grants', { customer: 'alice', feature: 'export_pdf', reason: 'support' })).json();
    const checkout = (await a.api('POST', '/v1/checkout/sessions', { price: 'pro.monthly', customer: 'alice', success_url: `${a.url}/ok`, cancel_url: `${a.url}/no` })).json();
    await fetch(checkout.url, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' });
    for (let i = 0; i < 3; i++) {
      await a.sandbox.waitForDeliveries();
      await a.t.services.jobs.drain();
    }
    const subscription = (await a.api('GET', '/v1/subscriptions')).json().data[0];
    const event = (await a.api('GET', '/v1/webhooks/events')).json().data[0];
    const delivery = (await a.api('GET', '/v1/webhook_deliveries')).json().data[0];
    const apiKey = (await a.api('GET', '/v1/api_keys')).json().data[0];
    const invitation = (await a.owner.request({ method: 'POST', url: '/api/invitations', payload: { email: 'dev@a.test', role: 'developer' } })).json().invitation;
    const session = (await a.owner.request({ method: 'GET', url: '/api/sessions' })).json().data[0];
    const me = (await a.owner.request({ method: 'GET', url: '/api/me' })).json();
    for (const [what, value] of Object.entries({ subscription, event, delivery, apiKey, invitation, session, grant, endpoint })) {
      if (!value?.id) throw new Error(`setup: tenant A has no ${what}`);
    }
    const ids = { endpoint: endpoint.id, subscription: subscription.id };
    // Identifiers that must never appear in an answer to B.
    aSecrets = [subscription.id, event.id, delivery.id, grant.id, endpoint.id, apiKey.id, invitation.id, session.id, me.user.id, checkout.id, 'alice@a.test', a.ownerEmail];

    b = await signUp(a.t.app, { email: 'owner@b.test', password: PASSWORD, tenant_name: 'Beta' });
    bKey = (await b.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;

    probes = {
      'delete /api/sessions/{id}': { path: `/api/sessions/${session.id}`, session: true, expect: 404 },
      'patch /api/members/{user_id}': { path: `/api/members/${me.user.id}`, body: { role: 'viewer' }, session: true, expect: 404 },
      'delete /api/members/{user_id}': { path: `/api/members/${me.user.id}`, session: true, expect: 404 },
      'delete /api/invitations/{id}': { path: `/api/invitations/${invitation.id}`, session: true, expect: 404 },
      'delete /v1/api_keys/{id}': { path: `/v1/api_keys/${apiKey.id}`, expect: 404 },
      'get /v1/providers/stripe/{mode}': { path: '/v1/providers/stripe/test', expect: 'own' },
      'delete /v1/providers/stripe/{mode}': { path: '/v1/providers/stripe/test', expect: 'own' },
      'put /v1/providers/stripe/{mode}': { path: '/v1/providers/stripe/test', body: { secret_key: 'sk_test_not_a_real_key_1234567890' }, expect: 'own' },
      'get /v1/features/{key}': { path: '/v1/features/export_pdf', expect: 404 },
      'patch /v1/features/{key}': { path: '/v1/features/export_pdf', body: { name: 'Taken over' }, expect: 404 },
      'delete /v1/features/{key}': { path: '/v1/features/export_pdf', expect: 404 },
      'get /v1/products/{key}': { path: '/v1/products/pro', expect: 404 },
      'patch /v1/products/{key}': { path: '/v1/products/pro', body: { name: 'Taken over' }, expect: 404 },
      'delete /v1/products/{key}': { path: '/v1/products/pro', expect: 404 },
      'get /v1/prices/{key}': { path: '/v1/prices/pro.monthly', expect: 404 },
      'patch /v1/prices/{key}': { path: '/v1/prices/pro.monthly', body: { unit_amount: 1 }, expect: 404 },
      'delete /v1/prices/{key}': { path: '/v1/prices/pro.monthly', expect: 404 },
      'get /v1/webhooks/events/{id}': { path: `/v1/webhooks/events/${event.id}`, expect: 404 },
      'post /v1/webhooks/events/{id}/replay': { path: `/v1/webhooks/events/${event.id}/replay`, expect: 404 },
      'get /v1/subscriptions/{id}': { path: `/v1/subscriptions/${subscription.id}`, expect: 404 },
      'get /v1/customers/{external_id}/entitlements': { path: '/v1/customers/alice/entitlements', expect: 404 },
      'get /v1/customers/{external_id}': { path: '/v1/customers/alice', expect: 404 },
      // An upsert by the app's own user id: B gets a customer "alice" of its own, A's is untouched.
      'put /v1/customers/{external_id}': { path: '/v1/customers/alice', body: { email: 'mallory@b.test' }, expect: 'own' },
      'delete /v1/grants/{id}': { path: `/v1/grants/${grant.id}`, expect: 404 },
      'get /v1/webhook_endpoints/{id}': { path: `/v1/webhook_endpoints/${endpoint.id}`, expect: 404 },
      'patch /v1/webhook_endpoints/{id}': { path: `/v1/webhook_endpoints/${endpoint.id}`, body: { disabled: true }, expect: 404 },
      'delete /v1/webhook_endpoints/{id}': { path: `/v1/webhook_endpoints/${endpoint.id}`, expect: 404 },
      'post /v1/webhook_endpoints/{id}/rotate_secret': { path: `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, expect: 404 },
      'get /v1/webhook_deliveries/{id}': { path: `/v1/webhook_deliveries/${delivery.id}`, expect: 404 },
      'post /v1/webhook_deliveries/{id}/resend': { path: `/v1/webhook_deliveries/${delivery.id}/resend`, expect: 404 },
    };
    before = await snapshotOfA(ids);
    // Stripe's own deliveries to A are authenticated by A's endpoint secret, not by a tenant key (intake tests cover them).
  }, 60_000);

  afterAll(async () => a?.close());

  const call = (method: Method, path: string, probe: { body?: Record<string, unknown>; session?: boolean }) =>
    probe.session
      ? b.request({ method: method.toUpperCase() as 'GET', url: path, ...(probe.body ? { payload: probe.body } : {}) })
      : a.t.app.inject({ method: method.toUpperCase() as 'GET', url: path, headers: bearer(bKey), ...(probe.body ? { payload: probe.body } : {}) });

  /** A's identifiers in an answer, other than those B itself sent (a 404 may name what was not found). */
  function leaks(body: string, path = ''): string[] {
    return aSecrets.filter((s) => s && body.includes(s) && !path.includes(s));
  }

  it("answers B with 404 for every route given A's identifiers, and never with A's data", async () => {
    const doc = (await a.t.app.inject({ url: '/v1/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const parameterized = routes.filter((r) => r.includes('{') && !r.startsWith('post /webhooks/stripe/'));
    expect(parameterized.filter((r) => !probes[r]), 'routes missing from the isolation table').toEqual([]);

    const wrong: string[] = [];
    // The routes on B's own resources (an upsert of B's own "alice") go last, so they cannot mask a 404.
    parameterized.sort((x, y) => Number(probes[x]!.expect === 'own') - Number(probes[y]!.expect === 'own'));
    for (const route of parameterized) {
      const probe = probes[route]!;
      const res = await call(route.split(' ')[0] as Method, probe.path, probe);
      if (probe.expect === 404 && res.statusCode !== 404) wrong.push(`${route}: ${res.statusCode} ${res.body.slice(0, 160)}`);
      if (probe.expect === 'own' && res.statusCode >= 500) wrong.push(`${route}: ${res.statusCode}`);
      for (const leak of leaks(res.body, probe.path)) wrong.push(`${route}: leaks ${leak}`);
    }
    expect(wrong).toEqual([]);
  });

  it("lists nothing of A's on any list route B can call", async () => {
    const doc = (await a.t.app.inject({ url: '/v1/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const lists = Object.entries(doc.paths)
      .filter(([path, ops]) => 'get' in ops && !path.includes('{') && (path.startsWith('/v1/') || path.startsWith('/api/')))
      .map(([path]) => path);
    expect(lists.length).toBeGreaterThan(15);
    const wrong: string[] = [];
    for (const path of lists) {
      const query = path === '/v1/entitlements/check' ? '?customer=alice&feature=export_pdf' : '';
      for (const probe of [{}, { session: true }]) {
        const res = await call('get', path + query, probe);
        for (const leak of leaks(res.body)) wrong.push(`${path}${probe.session ? ' (console)' : ''}: leaks ${leak}`);
        if (path === '/v1/entitlements/check' && res.statusCode === 200) expect(res.json().allowed).toBe(false);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("leaves every one of A's objects as it was", async () => {
    const ids = { endpoint: (before.endpoint as { body: { id: string } }).body.id, subscription: (before.subscription as { body: { id: string } }).body.id };
    expect(await snapshotOfA(ids)).toEqual(before);
    // A's keys and console session still work.
    expect((await a.api('GET', '/v1/products')).statusCode).toBe(200);
    expect((await a.owner.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    expect((await a.t.app.inject({ method: 'GET', url: '/v1/entitlements/check?customer=alice&feature=export_pdf', headers: bearer(a.secretKey) })).json().allowed).toBe(true);
  });
});
