import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp } from '../../test/app.ts';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';

describe('the catalog', () => {
  let env: StripeTestEnv;

  beforeAll(async () => {
    env = await createStripeTestEnv();
  });
  afterAll(async () => env.close());

  const drain = () => env.t.services.jobs.drain();
  const sync = async () => (await env.api('GET', '/v1/catalog/sync')).json().data as Array<Record<string, any>>;

  it('validates with clear errors: unknown currency, negative amount, duplicate key, unknown feature', async () => {
    expect((await env.api('POST', '/v1/features', { key: 'seats', name: 'Seats', type: 'limit' })).statusCode).toBe(201);
    const dup = await env.api('POST', '/v1/features', { key: 'seats', name: 'Seats again', type: 'limit' });
    expect([dup.statusCode, dup.json().error.code]).toEqual([409, 'feature_key_taken']);

    const unknownFeature = await env.api('POST', '/v1/products', { key: 'x', name: 'X', features: [{ feature: 'nope' }] });
    expect([unknownFeature.statusCode, unknownFeature.json().error.code]).toEqual([400, 'unknown_feature']);
    expect((await env.api('POST', '/v1/products', { key: 'basic', name: 'Basic', features: [{ feature: 'seats', value: 3 }] })).statusCode).toBe(201);

    const currency = await env.api('POST', '/v1/prices', { key: 'basic.x', product: 'basic', currency: 'zzz', unit_amount: 100, interval: 'month' });
    expect(currency.statusCode).toBe(400);
    expect(currency.json().error.message).toContain('unknown currency');
    const negative = await env.api('POST', '/v1/prices', { key: 'basic.y', product: 'basic', currency: 'usd', unit_amount: -1, interval: 'month' });
    expect(negative.json().error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'unit_amount', message: 'must not be negative' })] });
    expect((await env.api('POST', '/v1/prices', { key: 'basic.monthly', product: 'basic', currency: 'USD', unit_amount: 900, interval: 'month' })).statusCode).toBe(201);
    const dupPrice = await env.api('POST', '/v1/prices', { key: 'basic.monthly', product: 'basic', currency: 'usd', unit_amount: 900, interval: 'month' });
    expect([dupPrice.statusCode, dupPrice.json().error.code]).toEqual([409, 'price_key_taken']);
    const boolValue = await env.api('POST', '/v1/features', { key: 'sso', name: 'SSO' });
    expect(boolValue.json().type).toBe('boolean');
    const badBool = await env.api('PATCH', '/v1/products/basic', { features: [{ feature: 'sso', value: 4 }] });
    expect(badBool.json().error.code).toBe('feature_value_invalid');
  });

  it('everything is Not Mapped until a Stripe account is connected for the mode', async () => {
    const entries = await sync();
    expect(entries.length).toBe(4); // 2 objects x 2 modes
    expect(new Set(entries.map((e) => e.status))).toEqual(new Set(['not_mapped']));
    expect(await drain()).toBe(0);
  });

  it('connecting a key syncs the whole catalog: product with tollgate_id, price with lookup_key = key', async () => {
    await env.connect();
    expect((await sync()).filter((e) => e.mode === 'test').map((e) => e.status)).toEqual(['pending', 'pending']);
    await drain();
    const test = (await sync()).filter((e) => e.mode === 'test');
    expect(test.map((e) => [e.object, e.key, e.status])).toEqual([
      ['product', 'basic', 'synced'],
      ['price', 'basic.monthly', 'synced'],
    ]);
    const product = test[0]!;
    expect(product.dashboard_url).toBe(`https://dashboard.stripe.com/test/products/${product.stripe_id}`);
    expect((await sync()).filter((e) => e.mode === 'live').every((e) => e.status === 'not_mapped')).toBe(true);

    const stripeProduct = await env.stripe.products.retrieve(product.stripe_id);
    expect(stripeProduct).toMatchObject({ name: 'Basic', active: true, metadata: { tollgate_key: 'basic', tollgate_id: expect.any(String) } });
    const prices = await env.stripe.prices.list({ lookup_keys: ['basic.monthly'] });
    expect(prices.data).toHaveLength(1);
    expect(prices.data[0]).toMatchObject({ product: product.stripe_id, unit_amount: 900, currency: 'usd', recurring: expect.objectContaining({ interval: 'month' }) });
    expect((await env.api('GET', '/v1/catalog/mapping?mode=test')).json()).toEqual({ 'basic.monthly': prices.data[0]!.id });
  });

  it('a change is pushed to Stripe', async () => {
    await env.api('PATCH', '/v1/products/basic', { name: 'Basic plan', description: 'For small teams' });
    expect((await sync()).find((e) => e.key === 'basic' && e.mode === 'test')!.status).toBe('pending');
    await drain();
    const entry = (await sync()).find((e) => e.key === 'basic' && e.mode === 'test')!;
    expect(entry.status).toBe('synced');
    expect(await env.stripe.products.retrieve(entry.stripe_id)).toMatchObject({ name: 'Basic plan', description: 'For small teams' });
  });

  it('a new amount makes a new Stripe price, moves the lookup key and archives the old one', async () => {
    const before = (await env.api('GET', '/v1/catalog/mapping')).json()['basic.monthly'];
    const res = await env.api('PATCH', '/v1/prices/basic.monthly', { unit_amount: 1200 });
    expect(res.json()).toMatchObject({ unit_amount: 1200, key: 'basic.monthly' });
    await drain();
    const after = (await env.api('GET', '/v1/catalog/mapping')).json()['basic.monthly'];
    expect(after).not.toBe(before);
    expect(await env.stripe.prices.retrieve(before)).toMatchObject({ active: false, unit_amount: 900 });
    expect(await env.stripe.prices.retrieve(after)).toMatchObject({ active: true, unit_amount: 1200, lookup_key: 'basic.monthly' });
    expect((await env.stripe.prices.list({ lookup_keys: ['basic.monthly'] })).data.map((p) => p.id)).toEqual([after]);
    // Subscribers of the old Stripe price still map to the Tollgate price.
    const rows = await env.t.services.inTenant(env.owner.tenantId, async (tx) => (await tx.query('select stripe_price_id, current from stripe_prices order by created_at')).rows);
    expect(rows).toEqual([
      { stripe_price_id: before, current: false },
      { stripe_price_id: after, current: true },
    ]);
  });

  it('archiving a price deactivates it in Stripe and drops it from the mapping', async () => {
    await env.api('POST', '/v1/prices', { key: 'basic.yearly', product: 'basic', currency: 'usd', unit_amount: 9000, interval: 'year' });
    await drain();
    const id = (await env.api('GET', '/v1/catalog/mapping')).json()['basic.yearly'];
    expect((await env.api('DELETE', '/v1/prices/basic.yearly')).json().active).toBe(false);
    await drain();
    expect((await env.stripe.prices.retrieve(id)).active).toBe(false);
    expect((await env.api('GET', '/v1/catalog/mapping')).json()).not.toHaveProperty('basic.yearly');
  });

  it('retries when Stripe fails, and shows the error with the next retry time meanwhile', async () => {
    // Three failures: the SDK's first try and its two retries, so the job attempt fails.
    env.sandbox.faults.add({ kind: 'api_error', paths: ['/v1/products'], methods: ['POST'], status: 500, phase: 'before', limit: 3 });
    expect((await env.api('POST', '/v1/products', { key: 'pro', name: 'Pro' })).statusCode).toBe(201);
    await drain();
    const failing = (await sync()).find((e) => e.key === 'pro' && e.mode === 'test')!;
    expect(failing.status).toBe('error');
    expect(failing.last_error).toMatch(/StripeAPIError/);
    expect(new Date(failing.next_retry_at).getTime()).toBeGreaterThan(env.t.clock.now().getTime());
    env.sandbox.faults.clear();
    env.t.clock.advance(60 * 60 * 1000);
    await drain();
    expect((await sync()).find((e) => e.key === 'pro' && e.mode === 'test')!.status).toBe('synced');
    const all = await env.stripe.products.list({ limit: 100 });
    expect(all.data.filter((p) => p.metadata.tollgate_key === 'pro')).toHaveLength(1);
  });

  it('a push that succeeded in Stripe but whose answer was lost creates no duplicate (idempotency keys)', async () => {
    // Stripe creates the product, then the answer is a 500 for every try: the job fails and runs again later.
    env.sandbox.faults.add({ kind: 'api_error', paths: ['/v1/products'], methods: ['POST'], status: 500, phase: 'after', limit: 1 });
    env.sandbox.faults.add({ kind: 'api_error', paths: ['/v1/products'], methods: ['POST'], status: 503, phase: 'before', limit: 2 });
    await env.api('POST', '/v1/products', { key: 'team', name: 'Team' });
    await drain();
    expect((await sync()).find((e) => e.key === 'team' && e.mode === 'test')!.status).toBe('error');
    env.sandbox.faults.clear();
    env.t.clock.advance(60 * 60 * 1000);
    await drain();
    expect((await sync()).find((e) => e.key === 'team' && e.mode === 'test')!.status).toBe('synced');
    const all = await env.stripe.products.list({ limit: 100 });
    expect(all.data.filter((p) => p.metadata.tollgate_key === 'team')).toHaveLength(1);
  });

  it('a change made in Stripe marks the object drifted; a re-sync puts Tollgate’s state back', async () => {
    const entry = (await sync()).find((e) => e.key === 'basic' && e.mode === 'test')!;
    await env.stripe.products.update(entry.stripe_id, { name: 'Renamed in the Dashboard' });
    const event = (await env.stripe.events.list({ type: 'product.updated', limit: 1 })).data[0]!;
    const outcome = await env.t.services.inTenant(env.owner.tenantId, (tx) =>
      env.t.services.catalog.handleStripeEvent(tx, { tenantId: env.owner.tenantId, mode: 'test' }, event as never),
    );
    expect(outcome).toBe('queued');
    await drain();
    const drifted = (await sync()).find((e) => e.key === 'basic' && e.mode === 'test')!;
    expect(drifted.status).toBe('drifted');
    expect(drifted.drift.fields.name).toEqual({ tollgate: 'Basic plan', stripe: 'Renamed in the Dashboard' });

    expect((await env.api('POST', '/v1/catalog/sync', { mode: 'test' })).statusCode).toBe(202);
    await drain();
    expect((await sync()).find((e) => e.key === 'basic' && e.mode === 'test')!.status).toBe('synced');
    expect((await env.stripe.products.retrieve(entry.stripe_id)).name).toBe('Basic plan');
  });

  it('events of our own pushes, and old events replayed in any order, are not mistaken for drift', async () => {
    const events = (await env.stripe.events.list({ limit: 100 })).data.filter((e) => e.type.startsWith('product.') || e.type.startsWith('price.'));
    expect(events.length).toBeGreaterThan(5);
    for (const event of [...events, ...events.reverse()]) {
      await env.t.services.inTenant(env.owner.tenantId, (tx) =>
        env.t.services.catalog.handleStripeEvent(tx, { tenantId: env.owner.tenantId, mode: 'test' }, event as never),
      );
    }
    await drain();
    expect((await sync()).filter((e) => e.mode === 'test').map((e) => e.status)).not.toContain('drifted');
  });

  it('a product created directly in Stripe is listed as unmanaged and can be adopted', async () => {
    const product = await env.stripe.products.create({ name: 'Legacy Plan' });
    const price = await env.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 500, recurring: { interval: 'month' }, lookup_key: 'legacy.monthly' });
    for (const type of ['product.created', 'price.created']) {
      const event = (await env.stripe.events.list({ type, limit: 1 })).data[0]!;
      await env.t.services.inTenant(env.owner.tenantId, (tx) =>
        env.t.services.catalog.handleStripeEvent(tx, { tenantId: env.owner.tenantId, mode: 'test' }, event as never),
      );
    }
    await drain();
    const unmanaged = (await env.api('GET', '/v1/catalog/unmanaged?mode=test')).json().data;
    expect(unmanaged.map((u: { stripe_id: string }) => u.stripe_id).sort()).toEqual([price.id, product.id].sort());

    const early = await env.api('POST', '/v1/catalog/adopt', { mode: 'test', stripe_id: price.id });
    expect(early.json().error.code).toBe('adopt_product_first');
    expect((await env.api('POST', '/v1/catalog/adopt', { mode: 'test', stripe_id: product.id, key: 'legacy' })).json()).toMatchObject({ object: 'product', key: 'legacy' });
    expect((await env.api('POST', '/v1/catalog/adopt', { mode: 'test', stripe_id: price.id })).json()).toMatchObject({ object: 'price', key: 'legacy.monthly' });
    await drain();
    expect((await env.api('GET', '/v1/catalog/mapping')).json()['legacy.monthly']).toBe(price.id);
    expect((await env.stripe.products.retrieve(product.id)).metadata).toMatchObject({ tollgate_key: 'legacy' });
    expect((await env.stripe.prices.list({ limit: 100 })).data.filter((p) => p.lookup_key === 'legacy.monthly')).toHaveLength(1);
    expect((await env.api('GET', '/v1/catalog/unmanaged?mode=test')).json().data).toEqual([]);
  });

  it("tenants never see each other's catalog", async () => {
    const other = await signUp(env.t.app, { email: 'other@globex.test', password: PASSWORD });
    const key = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    const get = (url: string) => env.t.app.inject({ method: 'GET', url, headers: bearer(key) });
    expect((await get('/v1/products')).json().data).toEqual([]);
    expect((await get('/v1/products/basic')).statusCode).toBe(404);
    expect((await get('/v1/catalog/sync')).json().data).toEqual([]);
    expect((await get('/v1/catalog/mapping')).json()).toEqual({});
    const patch = await env.t.app.inject({ method: 'PATCH', url: '/v1/prices/basic.monthly', headers: bearer(key), payload: { unit_amount: 1 } });
    expect(patch.statusCode).toBe(404);
  });

  it('a publishable key cannot change the catalog', async () => {
    const pk = (await env.owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'publishable', mode: 'test' } })).json().key;
    const res = await env.t.app.inject({ method: 'POST', url: '/v1/features', headers: bearer(pk), payload: { key: 'x', name: 'X' } });
    expect(res.statusCode).toBe(403);
  });
});

describe('catalog import', () => {
  it('adopts an existing Stripe catalog into Tollgate without creating anything new in Stripe', async () => {
    const env = await createStripeTestEnv();
    try {
      const product = await env.stripe.products.create({ name: 'Team' });
      await env.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2900, recurring: { interval: 'month' }, lookup_key: 'team.monthly' });
      await env.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 29000, recurring: { interval: 'year' } });
      await env.connect();
      await env.t.services.jobs.drain();
      const result = await env.t.services.catalog.importFromStripe(env.owner.tenantId, 'test');
      expect(result).toEqual({ products: 1, prices: 2, skipped: 0 });
      await env.t.services.jobs.drain();
      const products = (await env.api('GET', '/v1/products')).json().data;
      expect(products.map((p: { key: string; name: string }) => [p.key, p.name])).toEqual([['team', 'Team']]);
      const prices = (await env.api('GET', '/v1/prices')).json().data.map((p: { key: string; unit_amount: number }) => [p.key, p.unit_amount]);
      expect(prices).toContainEqual(['team.monthly', 2900]);
      expect(prices).toHaveLength(2);
      expect((await env.api('GET', '/v1/catalog/sync?mode=test')).json().data.every((e: { status: string }) => e.status === 'synced')).toBe(true);
      expect((await env.stripe.products.list()).data).toHaveLength(1);
      expect((await env.stripe.prices.list()).data).toHaveLength(2);
      // Running it again adopts nothing twice.
      expect(await env.t.services.catalog.importFromStripe(env.owner.tenantId, 'test')).toEqual({ products: 0, prices: 0, skipped: 3 });
    } finally {
      await env.close();
    }
  });
});
