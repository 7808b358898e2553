// Products and prices: create, retrieve, update, archive, list filters, lookup keys,
// immutability, pagination (cursors both ways and the SDK's auto-pagination), expand.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { eventTypes, useSandbox } from './helpers.ts';

const t = useSandbox();

describe('products', () => {
  it('creates, retrieves, updates, archives and lists products', async () => {
    const stripe = t.stripe();
    const created = await stripe.products.create({ name: 'Pro', description: 'Everything', metadata: { tier: 'pro' }, marketing_features: [{ name: 'Sync' }] });
    expect(created).toMatchObject({ object: 'product', name: 'Pro', active: true, description: 'Everything', metadata: { tier: 'pro' }, livemode: false, marketing_features: [{ name: 'Sync' }] });
    expect(created.id).toMatch(/^prod_/);
    expect(await stripe.products.retrieve(created.id)).toEqual(expect.objectContaining({ id: created.id, name: 'Pro' }));
    const updated = await stripe.products.update(created.id, { name: 'Pro 2', metadata: { tier: '', color: 'blue' } });
    expect(updated.name).toBe('Pro 2');
    expect(updated.metadata).toEqual({ color: 'blue' });
    const archived = await stripe.products.update(created.id, { active: false });
    expect(archived.active).toBe(false);
    const basic = await stripe.products.create({ name: 'Basic' });
    expect((await stripe.products.list({ active: true })).data.map((p) => p.id)).toEqual([basic.id]);
    expect((await stripe.products.list({ active: false })).data.map((p) => p.id)).toEqual([created.id]);
    expect((await stripe.products.list({ ids: [created.id] })).data).toHaveLength(1);
    expect(await eventTypes(stripe)).toEqual(['product.created', 'product.updated', 'product.updated', 'product.created']);
    const updatedEvent = (await stripe.events.list({ type: 'product.updated', limit: 1 })).data[0] as Stripe.Event;
    expect(updatedEvent.data.previous_attributes).toMatchObject({ active: true });
  });

  it('takes a custom id once and refuses it twice', async () => {
    const stripe = t.stripe();
    const id = `prod_custom_${Date.now()}`;
    expect((await stripe.products.create({ id, name: 'Custom' })).id).toBe(id);
    await expect(stripe.products.create({ id, name: 'Again' })).rejects.toMatchObject({ statusCode: 400, code: 'resource_already_exists' });
  });

  it('creates a default price with the product and deletes only products without prices', async () => {
    const stripe = t.stripe();
    const product = await stripe.products.create({ name: 'With price', default_price_data: { currency: 'usd', unit_amount: 900, recurring: { interval: 'month' } }, expand: ['default_price'] });
    const price = product.default_price as Stripe.Price;
    expect(price).toMatchObject({ object: 'price', unit_amount: 900, product: product.id, type: 'recurring' });
    await expect(stripe.products.del(product.id)).rejects.toMatchObject({ statusCode: 400 });
    const lonely = await stripe.products.create({ name: 'Lonely' });
    expect(await stripe.products.del(lonely.id)).toMatchObject({ id: lonely.id, deleted: true });
    await expect(stripe.products.retrieve(lonely.id)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('prices', () => {
  it('creates recurring and one-time prices and keeps amount, currency and recurrence immutable', async () => {
    const stripe = t.stripe();
    const product = await stripe.products.create({ name: 'Team' });
    const monthly = await stripe.prices.create({ product: product.id, currency: 'EUR', unit_amount: 1200, recurring: { interval: 'month', interval_count: 3 }, nickname: 'Quarterly', metadata: { plan: 'team' } });
    expect(monthly).toMatchObject({ object: 'price', currency: 'eur', unit_amount: 1200, type: 'recurring', active: true, nickname: 'Quarterly', recurring: { interval: 'month', interval_count: 3, usage_type: 'licensed' } });
    expect(String(monthly.unit_amount_decimal)).toBe('1200');
    const once = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 5000 });
    expect(once).toMatchObject({ type: 'one_time', recurring: null });
    const immutable = (await stripe.prices.update(monthly.id, { unit_amount: 10 } as Stripe.PriceUpdateParams).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(immutable).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'unit_amount' });
    const archived = await stripe.prices.update(monthly.id, { active: false, metadata: { plan: 'team-legacy' } });
    expect(archived).toMatchObject({ active: false, metadata: { plan: 'team-legacy' }, unit_amount: 1200 });
    await expect(stripe.prices.create({ product: 'prod_missing', currency: 'usd', unit_amount: 1 })).rejects.toMatchObject({ statusCode: 404, param: 'product' });
    await expect(stripe.prices.create({ product: product.id, currency: 'usd' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('keeps lookup keys unique and moves them with transfer_lookup_key', async () => {
    const stripe = t.stripe();
    const product = await stripe.products.create({ name: 'Lookup' });
    const first = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100, lookup_key: 'pro_monthly', recurring: { interval: 'month' } });
    await expect(stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 200, lookup_key: 'pro_monthly' })).rejects.toMatchObject({ statusCode: 400, param: 'lookup_key' });
    const second = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 200, lookup_key: 'pro_monthly', transfer_lookup_key: true, recurring: { interval: 'month' } });
    expect((await stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
    const found = await stripe.prices.list({ lookup_keys: ['pro_monthly'] });
    expect(found.data.map((p) => p.id)).toEqual([second.id]);
    const third = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 300 });
    const moved = await stripe.prices.update(third.id, { lookup_key: 'pro_monthly', transfer_lookup_key: true });
    expect(moved.lookup_key).toBe('pro_monthly');
    expect((await stripe.prices.retrieve(second.id)).lookup_key).toBeNull();
  });

  it('lists by product, active, type and recurring interval, and expands the product', async () => {
    const stripe = t.stripe();
    const a = await stripe.products.create({ name: 'A' });
    const b = await stripe.products.create({ name: 'B' });
    const aMonth = await stripe.prices.create({ product: a.id, currency: 'usd', unit_amount: 100, recurring: { interval: 'month' } });
    const aYear = await stripe.prices.create({ product: a.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'year' } });
    const bOnce = await stripe.prices.create({ product: b.id, currency: 'usd', unit_amount: 50 });
    await stripe.prices.update(aYear.id, { active: false });
    expect((await stripe.prices.list({ product: a.id })).data.map((p) => p.id)).toEqual([aYear.id, aMonth.id]);
    expect((await stripe.prices.list({ product: a.id, active: true })).data.map((p) => p.id)).toEqual([aMonth.id]);
    expect((await stripe.prices.list({ type: 'one_time' })).data.map((p) => p.id)).toEqual([bOnce.id]);
    expect((await stripe.prices.list({ recurring: { interval: 'year' } })).data.map((p) => p.id)).toEqual([aYear.id]);
    const expanded = await stripe.prices.list({ product: b.id, expand: ['data.product'] });
    expect((expanded.data[0]?.product as Stripe.Product).name).toBe('B');
    const one = await stripe.prices.retrieve(aMonth.id, { expand: ['product'] });
    expect((one.product as Stripe.Product).id).toBe(a.id);
    await expect(stripe.prices.retrieve(aMonth.id, { expand: ['currency'] })).rejects.toMatchObject({ statusCode: 400, param: 'expand' });
  });
});

describe('lists', () => {
  it('pages newest first with starting_after and ending_before, and auto-paginates', async () => {
    const stripe = t.stripe();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await stripe.products.create({ name: `P${i}` })).id);
    const newestFirst = [...ids].reverse();
    const page1 = await stripe.products.list({ limit: 10 });
    expect(page1).toMatchObject({ object: 'list', has_more: true, url: '/v1/products' });
    expect(page1.data.map((p) => p.id)).toEqual(newestFirst.slice(0, 10));
    const page2 = await stripe.products.list({ limit: 10, starting_after: page1.data[9]?.id as string });
    expect(page2.data.map((p) => p.id)).toEqual(newestFirst.slice(10, 20));
    const page3 = await stripe.products.list({ limit: 10, starting_after: page2.data[9]?.id as string });
    expect(page3.has_more).toBe(false);
    expect(page3.data).toHaveLength(5);
    const before = await stripe.products.list({ limit: 3, ending_before: newestFirst[10] as string });
    expect(before.data.map((p) => p.id)).toEqual(newestFirst.slice(7, 10));
    expect(before.has_more).toBe(true);
    const all: string[] = [];
    for await (const p of stripe.products.list({ limit: 4 })) all.push(p.id);
    expect(all).toEqual(newestFirst);
    const backwards = await stripe.products.list({ limit: 4, ending_before: newestFirst[24] as string }).autoPagingToArray({ limit: 100 });
    expect(backwards.map((p) => p.id)).toEqual([...newestFirst.slice(0, 24)].reverse());
    await expect(stripe.products.list({ starting_after: 'prod_nope' })).rejects.toMatchObject({ statusCode: 404 });
  });
});
