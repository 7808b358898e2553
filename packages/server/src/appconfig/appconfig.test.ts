import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/app.ts';
import { createStripeTestEnv, newStripeKey, type StripeTestEnv } from '../../test/stripe.ts';

describe('the app config', () => {
  const stripePublishableKey = newStripeKey('pk_test');
  let env: StripeTestEnv;
  let pk: string;

  beforeAll(async () => {
    env = await createStripeTestEnv();
    await env.connect();
    await env.api('PUT', '/v1/providers/stripe/test', { publishable_key: stripePublishableKey });
    await env.api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await env.api('POST', '/v1/features', { key: 'projects', name: 'Projects', type: 'limit' });
    await env.api('POST', '/v1/products', { key: 'free', name: 'Free', features: [{ feature: 'projects', value: 3 }] });
    await env.api('POST', '/v1/products', { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }, { feature: 'projects', value: null }] });
    await env.api('POST', '/v1/products', { key: 'old', name: 'Old', active: false });
    await env.api('POST', '/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 1200, interval: 'month', trial_days: 14 });
    await env.api('POST', '/v1/prices', { key: 'pro.yearly', product: 'pro', currency: 'usd', unit_amount: 12000, interval: 'year' });
    await env.t.services.jobs.drain();
    pk = (await env.owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'publishable', mode: 'test' } })).json().key;
  });
  afterAll(async () => env.close());

  const getConfig = (headers: Record<string, string> = {}) => env.t.app.inject({ method: 'GET', url: '/v1/config', headers: { ...bearer(pk), ...headers } });

  it('gives a publishable key the products with prices and features, providers, paywall and cache TTL', async () => {
    const res = await getConfig();
    expect(res.statusCode).toBe(200);
    const config = res.json();
    const mapping = (await env.api('GET', '/v1/catalog/mapping')).json();
    expect(config).toMatchObject({ tenant_id: env.owner.tenantId, mode: 'test', cache_ttl_seconds: 300, providers: [{ type: 'stripe', publishable_key: stripePublishableKey }] });
    expect(config.products.map((p: { key: string }) => p.key)).toEqual(['free', 'pro']);
    expect(config.products[1]).toEqual({
      key: 'pro',
      name: 'Pro',
      description: '',
      features: [
        { feature: 'export_pdf', type: 'boolean', value: null },
        { feature: 'projects', type: 'limit', value: null },
      ],
      prices: [
        { key: 'pro.monthly', currency: 'usd', unit_amount: 1200, interval: 'month', interval_count: 1, trial_days: 14, stripe_price_id: mapping['pro.monthly'] },
        { key: 'pro.yearly', currency: 'usd', unit_amount: 12000, interval: 'year', interval_count: 1, trial_days: null, stripe_price_id: mapping['pro.yearly'] },
      ],
    });
    expect(config.features.map((f: { key: string }) => f.key)).toEqual(['export_pdf', 'projects']);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
  });

  it('answers 304 to a matching If-None-Match, and a new ETag after a change', async () => {
    const first = await getConfig();
    expect((await getConfig({ 'if-none-match': first.headers.etag as string })).statusCode).toBe(304);
    await env.api('PATCH', '/v1/products/free', { name: 'Free forever' });
    const changed = await getConfig({ 'if-none-match': first.headers.etag as string });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });

  it('the paywall orders and highlights plans, and refuses unknown ones', async () => {
    const put = await env.api('PUT', '/v1/paywall', { headline: 'Go Pro', plan_order: ['pro', 'free'], highlighted_plan: 'pro', feature_bullets: { pro: ['Unlimited projects', 'PDF export'] } });
    expect(put.statusCode).toBe(200);
    const config = (await getConfig()).json();
    expect(config.paywall).toEqual({ headline: 'Go Pro', subheadline: '', plan_order: ['pro', 'free'], highlighted_plan: 'pro', feature_bullets: { pro: ['Unlimited projects', 'PDF export'] } });
    expect(config.products.map((p: { key: string }) => p.key)).toEqual(['pro', 'free']);
    const bad = await env.api('PUT', '/v1/paywall', { plan_order: ['pro', 'old', 'ghost'] });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'paywall_unknown_plan']);
    expect(bad.json().error.message).toContain('old, ghost');
    const viaPk = await env.t.app.inject({ method: 'PUT', url: '/v1/paywall', headers: bearer(pk), payload: { headline: 'x' } });
    expect(viaPk.statusCode).toBe(403);
  });

  it('the /functions/v1/config alias takes the key as ?apiKey=', async () => {
    const res = await env.t.app.inject({ method: 'GET', url: `/functions/v1/config?apiKey=${pk}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual((await getConfig()).json());
    expect((await env.t.app.inject({ method: 'GET', url: '/functions/v1/config' })).statusCode).toBe(401);
    expect((await env.t.app.inject({ method: 'GET', url: '/functions/v1/config?apiKey=tg_pk_test_nope' })).statusCode).toBe(401);
  });

  it('a Stripe publishable key must belong to the mode', async () => {
    const res = await env.api('PUT', '/v1/providers/stripe/test', { publishable_key: newStripeKey('pk_live') });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'stripe_key_malformed']);
    expect((await env.api('GET', '/v1/providers/stripe/test')).json().publishable_key).toBe(stripePublishableKey);
  });

  it('a tenant can set its own config cache TTL; bad settings are refused', async () => {
    expect((await env.api('PATCH', '/v1/settings', { config_cache_ttl_seconds: 60 })).json()).toMatchObject({ config_cache_ttl_seconds: 60 });
    const res = await getConfig();
    expect(res.json().cache_ttl_seconds).toBe(60);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    await env.api('PATCH', '/v1/settings', { config_cache_ttl_seconds: null });
    expect((await getConfig()).json().cache_ttl_seconds).toBe(300);
    for (const body of [{ grace_days: -1 }, { grace_days: 61 }, { config_cache_ttl_seconds: 1.5 }, { color: 'blue' }]) {
      const bad = await env.api('PATCH', '/v1/settings', body);
      expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'validation_failed']);
    }
  });
});
