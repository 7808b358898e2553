/**
 * The Idempotency-Key header on writes: a retried or double-submitted request
 * changes nothing twice and gets the first answer back; the same key on
 * another request is refused; failures keep nothing; keys are per tenant and
 * mode; they expire after 24 hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, PASSWORD, signUp, type TestApp } from '../../test/app.ts';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let key: string;
  let otherTenantKey: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'open' } });
    const owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD, tenant_name: 'Acme' });
    key = (await owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    const other = await signUp(t.app, { email: 'owner@beta.test', password: PASSWORD, tenant_name: 'Beta' });
    otherTenantKey = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    for (const k of [key, otherTenantKey]) {
      await t.app.inject({ method: 'POST', url: '/v1/features', headers: bearer(k), payload: { key: 'export_pdf', name: 'Export PDF' } });
      await t.app.inject({ method: 'POST', url: '/v1/products', headers: bearer(k), payload: { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }] } });
    }
  });
  afterAll(async () => t.close());

  const grant = (idempotencyKey: string | undefined, body: Record<string, unknown>, k = key) =>
    t.app.inject({ method: 'POST', url: '/v1/grants', headers: { ...bearer(k), ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) }, payload: body });
  const grantsOf = async (customer: string, k = key) => (await t.app.inject({ method: 'GET', url: `/v1/grants?customer=${customer}`, headers: bearer(k) })).json().data as unknown[];

  it('replays the first answer to a copy of the request, and does the work once', async () => {
    const first = await grant('k-1', { customer: 'ann', product: 'pro', reason: 'support' });
    const copy = await grant('k-1', { customer: 'ann', product: 'pro', reason: 'support' });
    expect(first.statusCode).toBe(201);
    expect([copy.statusCode, copy.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(copy.json()).toEqual(first.json());
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await grantsOf('ann')).toHaveLength(1);
    // Without a key, the same request is a new request.
    await grant(undefined, { customer: 'ann', product: 'pro', reason: 'support' });
    expect(await grantsOf('ann')).toHaveLength(2);
  });

  it('refuses the same key on another request', async () => {
    await grant('k-2', { customer: 'bob', product: 'pro', reason: 'support' });
    const other = await grant('k-2', { customer: 'bob', product: 'pro', reason: 'another reason' });
    expect([other.statusCode, other.json().error.code]).toEqual([400, 'idempotency_key_reused']);
    const elsewhere = await t.app.inject({ method: 'POST', url: '/v1/features', headers: { ...bearer(key), 'idempotency-key': 'k-2' }, payload: { key: 'seats', name: 'Seats' } });
    expect([elsewhere.statusCode, elsewhere.json().error.code]).toEqual([400, 'idempotency_key_reused']);
    expect(await grantsOf('bob')).toHaveLength(1);
  });

  it('keeps nothing of a failed request: the fixed request goes through with the same key', async () => {
    const failed = await grant('k-3', { customer: 'cat', product: 'nope', reason: 'support' });
    expect([failed.statusCode, failed.json().error.code]).toEqual([404, 'product_not_found']);
    const fixed = await grant('k-3', { customer: 'cat', product: 'pro', reason: 'support' });
    expect(fixed.statusCode).toBe(201);
    expect(await grantsOf('cat')).toHaveLength(1);
  });

  it('answers copies that arrive together once: the others are told to retry or get the answer', async () => {
    const answers = await Promise.all([0, 1, 2].map(() => grant('k-4', { customer: 'dan', product: 'pro', reason: 'support' })));
    const statuses = answers.map((a) => (a.statusCode === 409 ? a.json().error.code : a.statusCode));
    expect(statuses.filter((s) => s === 201)).not.toHaveLength(0);
    expect(statuses.every((s) => s === 201 || s === 'idempotency_key_in_progress')).toBe(true);
    expect(await grantsOf('dan')).toHaveLength(1);
  });

  it('is per tenant, and a key expires after 24 hours', async () => {
    const mine = await grant('k-5', { customer: 'eve', product: 'pro', reason: 'support' });
    const theirs = await grant('k-5', { customer: 'eve', product: 'pro', reason: 'support' }, otherTenantKey);
    expect([mine.statusCode, theirs.statusCode, theirs.headers['idempotent-replayed']]).toEqual([201, 201, undefined]);
    expect(theirs.json().id).not.toBe(mine.json().id);
    t.clock.advance(24 * 3600 * 1000 + 1000);
    const later = await grant('k-5', { customer: 'eve', product: 'pro', reason: 'support' });
    expect([later.statusCode, later.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect(await grantsOf('eve')).toHaveLength(2);
  });

  it('refuses a key that is not 1 to 255 visible characters', async () => {
    const res = await grant('x'.repeat(256), { customer: 'fay', product: 'pro', reason: 'support' });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'idempotency_key_invalid']);
    // Nothing ran: not even the customer the grant would have made.
    expect((await t.app.inject({ method: 'GET', url: '/v1/customers/fay', headers: bearer(key) })).statusCode).toBe(404);
  });

  it('forgets expired keys in the hourly purge, in every tenant', async () => {
    await grant('k-7', { customer: 'gus', product: 'pro', reason: 'support' });
    await grant('k-7', { customer: 'gus', product: 'pro', reason: 'support' }, otherTenantKey);
    const count = async () => (await t.testDb.db.query<{ n: number }>("select count(*)::int as n from idempotency_keys where key = 'k-7'")).rows[0]!.n;
    await t.services.idempotency.schedulePurge();
    await t.services.jobs.drain();
    expect(await count()).toBe(2); // not expired yet
    t.clock.advance(24 * 3600 * 1000 + 1000);
    await t.services.idempotency.schedulePurge();
    await t.services.jobs.drain();
    expect(await count()).toBe(0);
  });
});
