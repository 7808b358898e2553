import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp } from '../../test/app.ts';
import { createStripeTestEnv, newStripeKey, type StripeTestEnv } from '../../test/stripe.ts';
import { withSystem } from '../db/scope.ts';

describe('connecting Stripe by key', () => {
  let env: StripeTestEnv;

  beforeAll(async () => {
    env = await createStripeTestEnv();
  });
  afterAll(async () => env.close());

  it('refuses keys that are malformed, publishable, or of the other mode, saying why', async () => {
    const cases: Array<[string, string, string, string]> = [
      ['test', 'hello', 'stripe_key_malformed', 'not a Stripe secret key'],
      ['test', newStripeKey('pk_test'), 'stripe_publishable_key', 'publishable key'],
      ['test', newStripeKey('sk_live'), 'stripe_key_mode_mismatch', 'live-mode key'],
      ['live', newStripeKey('rk_test'), 'stripe_key_mode_mismatch', 'test-mode key'],
    ];
    for (const [mode, key, code, text] of cases) {
      const res = await env.owner.request({ method: 'PUT', url: `/v1/providers/stripe/${mode}`, payload: { secret_key: key } });
      expect({ key, status: res.statusCode, code: res.json().error.code }).toEqual({ key, status: 400, code });
      expect(res.json().error.message).toContain(text);
    }
    const empty = await env.owner.request({ method: 'PUT', url: '/v1/providers/stripe/test', payload: {} });
    expect(empty.json().error.code).toBe('validation_failed');
  });

  it('live keys are refused while Stripe calls go to the sandbox', async () => {
    const res = await env.owner.request({ method: 'PUT', url: '/v1/providers/stripe/live', payload: { secret_key: newStripeKey('sk_live') } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('live_mode_unavailable');
  });

  it('shows Not Connected before a key exists', async () => {
    const res = await env.api('GET', '/v1/providers/stripe/test');
    expect(res.json()).toMatchObject({ provider: 'stripe', mode: 'test', status: 'not_connected' });
  });

  it('checks the key with Stripe, stores it encrypted, registers the webhook endpoint, and never returns the key', async () => {
    const res = await env.api('PUT', '/v1/providers/stripe/test', { secret_key: env.stripeKey });
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({
      status: 'connected',
      key_kind: 'secret',
      key_last4: env.stripeKey.slice(-4),
      account_id: env.sandbox.accountIdForKey(env.stripeKey),
      webhook: { source: 'registered', url: expect.stringMatching(new RegExp(`^${env.url}/webhooks/stripe/[0-9a-f-]{36}$`)) },
    });
    expect(JSON.stringify(view)).not.toContain(env.stripeKey);
    expect(JSON.stringify((await env.api('GET', '/v1/providers')).json())).not.toContain(env.stripeKey);

    const endpoints = await env.stripe.webhookEndpoints.list();
    expect(endpoints.data.map((e) => e.url)).toEqual([view.webhook.url]);
    expect(endpoints.data[0]!.enabled_events).toContain('customer.subscription.updated');

    const stored = await withSystem(env.t.testDb.db, async (tx) => ({
      connections: (await tx.query('select * from provider_connections')).rows,
      endpoints: (await tx.query('select * from stripe_webhook_endpoints')).rows,
    }));
    const dump = JSON.stringify(stored);
    expect(dump).not.toContain(env.stripeKey);
    expect(dump).not.toContain(env.stripeKey.slice(8));
    expect(stored.connections[0]!.secret_sealed).toMatch(/^v1\./);
    expect(stored.endpoints[0]!.secret_sealed).toMatch(/^v1\./);

    // The intake can open the secret it needs.
    const resolved = await env.t.services.providers.endpoint(view.webhook.endpoint_id);
    expect(resolved).toMatchObject({ mode: 'test', active: true, secret: expect.stringMatching(/^whsec_/) });
  });

  it('connecting again reuses the registered endpoint instead of making a second one', async () => {
    const before = (await env.api('GET', '/v1/providers/stripe/test')).json().webhook;
    const again = await env.api('PUT', '/v1/providers/stripe/test', { secret_key: env.stripeKey });
    expect(again.json().webhook).toMatchObject({ endpoint_id: before.endpoint_id, stripe_endpoint_id: before.stripe_endpoint_id });
    expect((await env.stripe.webhookEndpoints.list()).data).toHaveLength(1);
  });

  it('takes a pasted whsec_ of an endpoint made by hand', async () => {
    const secret = `whsec_${'m'.repeat(10)}${Date.now()}`;
    const res = await env.api('PUT', '/v1/providers/stripe/test', { webhook_secret: secret });
    expect(res.json().webhook).toMatchObject({ source: 'manual', stripe_endpoint_id: null });
    const resolved = await env.t.services.providers.endpoint(res.json().webhook.endpoint_id);
    expect(resolved!.secret).toBe(secret);
    expect((await env.api('PUT', '/v1/providers/stripe/test', { webhook_secret: 'nope' })).json().error.code).toBe('webhook_secret_malformed');
  });

  it('a test-mode API key cannot touch the live connection, and a viewer cannot connect', async () => {
    const res = await env.api('PUT', '/v1/providers/stripe/live', { secret_key: newStripeKey('sk_live') });
    expect(res.statusCode).toBe(403);
    const invite = await env.owner.request({ method: 'POST', url: '/api/invitations', payload: { email: 'viewer@acme.test', role: 'viewer' } });
    const viewer = await signUp(env.t.app, { email: 'viewer@acme.test', password: PASSWORD, invite_token: invite.json().token });
    const denied = await viewer.request({ method: 'PUT', url: '/v1/providers/stripe/test', payload: { secret_key: newStripeKey() } });
    expect(denied.statusCode).toBe(403);
    expect((await viewer.request({ method: 'GET', url: '/v1/providers/stripe/test' })).json().status).toBe('connected');
  });

  it("another tenant sees only its own connection", async () => {
    const other = await signUp(env.t.app, { email: 'other@globex.test', password: PASSWORD });
    const key = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    const res = await env.t.app.inject({ method: 'GET', url: '/v1/providers/stripe/test', headers: bearer(key) });
    expect(res.json().status).toBe('not_connected');
  });

  it('disconnecting removes the key and the endpoint', async () => {
    const stripeKey = newStripeKey();
    await env.api('PUT', '/v1/providers/stripe/test', { secret_key: stripeKey });
    const view = (await env.api('GET', '/v1/providers/stripe/test')).json();
    const res = await env.api('DELETE', '/v1/providers/stripe/test');
    expect(res.json()).toMatchObject({ status: 'not_connected' });
    const rows = await withSystem(env.t.testDb.db, async (tx) => (await tx.query('select * from provider_connections')).rows);
    expect(rows).toEqual([]);
    expect(await env.t.services.providers.endpoint(view.webhook.endpoint_id)).toMatchObject({ active: false });
    expect(await env.t.services.providers.stripeFor(env.owner.tenantId, 'test')).toBeNull();
    expect((await env.api('DELETE', '/v1/providers/stripe/test')).json().error.code).toBe('stripe_not_connected');
    const stripe = new Stripe(stripeKey, { host: '127.0.0.1', port: env.sandbox.port, protocol: 'http' });
    expect((await stripe.webhookEndpoints.list()).data).toEqual([]);
  });
});
