import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db.ts';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import * as f from '../providers/stripe/fixtures.ts';
import { signStripePayload } from '../providers/stripe/webhook.ts';
import { deliver, endpointOf, storedEvents, switchableDb, webhookJobs, type Endpoint } from './test-helpers.ts';

describe('webhook intake (over HTTP, signed like Stripe)', () => {
  let env: StripeTestEnv;
  let testDb: TestDb;
  let db: ReturnType<typeof switchableDb>;
  let ep: Endpoint;

  beforeAll(async () => {
    testDb = await createTestDb();
    db = switchableDb(testDb.db);
    env = await createStripeTestEnv({ testDb: { ...testDb, db }, env: { TOLLGATE_WEBHOOK_BODY_LIMIT: '65536' } });
    await env.connect();
    ep = await endpointOf(env.t.services, env.owner.tenantId, env.url);
  });
  afterAll(async () => {
    await env.close();
    await testDb.drop();
  });

  const invoicePaid = () => f.event('invoice.paid', f.invoice({ subscription: 'sub_1' }));

  async function metric(outcome: string): Promise<number> {
    const text = (await env.t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const match = new RegExp(`^tollgate_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  }

  it('stores a signed event before answering 200, with its processing job', async () => {
    const e = invoicePaid();
    const res = await deliver(ep.url, e, ep.secret);
    expect(res).toMatchObject({ status: 200, json: { received: true } });
    const [row] = await storedEvents(testDb.db, 'id = $1', [e.id]);
    expect(row).toMatchObject({
      tenant_id: env.owner.tenantId,
      mode: 'test',
      endpoint_id: ep.endpointId,
      type: 'invoice.paid',
      livemode: false,
      api_version: '2026-10-28.endive',
      object_type: 'invoice',
      object_id: (e.data.object as { id: string }).id,
      status: 'pending',
      attempts: 0,
    });
    expect(row!.created.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(row!.payload).toEqual(JSON.parse(JSON.stringify(e)));
    expect((await webhookJobs(testDb.db)).filter((j) => j.payload.eventId === e.id)).toHaveLength(1);
  });

  it('a repeated delivery answers 200 and changes nothing', async () => {
    const e = invoicePaid();
    await deliver(ep.url, e, ep.secret);
    const before = await storedEvents(testDb.db, 'id = $1', [e.id]);
    const again = await deliver(ep.url, e, ep.secret);
    expect(again).toMatchObject({ status: 200, json: { received: true, duplicate: true } });
    expect(await storedEvents(testDb.db, 'id = $1', [e.id])).toEqual(before);
    expect((await webhookJobs(testDb.db)).filter((j) => j.payload.eventId === e.id)).toHaveLength(1);
  });

  it('two deliveries of one event at the same moment store it once', async () => {
    const e = invoicePaid();
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver(ep.url, e, ep.secret)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(results.filter((r) => !r.json.duplicate)).toHaveLength(1);
    expect(await storedEvents(testDb.db, 'id = $1', [e.id])).toHaveLength(1);
    expect((await webhookJobs(testDb.db)).filter((j) => j.payload.eventId === e.id)).toHaveLength(1);
  });

  it('an event Tollgate does not act on is recorded as ignored, with no job', async () => {
    const e = f.event('balance.available', { object: 'balance', available: [] });
    expect((await deliver(ep.url, e, ep.secret)).status).toBe(200);
    const [row] = await storedEvents(testDb.db, 'id = $1', [e.id]);
    expect(row).toMatchObject({ status: 'ignored', outcome: 'not an event Tollgate acts on' });
    expect((await webhookJobs(testDb.db)).filter((j) => j.payload.eventId === e.id)).toHaveLength(0);
  });

  it('verifies the exact raw bytes, whatever the content type says', async () => {
    const e = invoicePaid();
    // key order and whitespace that a JSON re-encoding would change
    const { type, ...rest } = e;
    const body = JSON.stringify({ type, ...rest }, null, 3);
    expect((await deliver(ep.url, body, ep.secret, { contentType: 'text/plain' })).status).toBe(200);
    const [row] = await storedEvents(testDb.db, 'id = $1', [e.id]);
    expect(row!.type).toBe('invoice.paid');
  });

  it('a delivery without any content type is still verified and stored', async () => {
    const e = invoicePaid();
    const body = JSON.stringify(e);
    const res = await fetch(ep.url, { method: 'POST', headers: { 'stripe-signature': signStripePayload(body, ep.secret) }, body: new TextEncoder().encode(body) });
    expect(res.status).toBe(200);
    expect(await storedEvents(testDb.db, 'id = $1', [e.id])).toHaveLength(1);
  });

  it('refuses, logs and counts: unknown endpoint 404, missing or bad signature 400, stale signature 400, livemode mismatch 400, too large 413', async () => {
    const counts = {
      notFound: await metric('webhook_endpoint_not_found'),
      missing: await metric('webhook_signature_missing'),
      invalid: await metric('webhook_signature_invalid'),
      mode: await metric('webhook_livemode_mismatch'),
      large: await metric('body_too_large'),
    };
    const e = invoicePaid();
    const unknown = await deliver(ep.url.replace(ep.endpointId, randomUUID()), e, ep.secret);
    expect(unknown).toMatchObject({ status: 404, json: { error: { code: 'webhook_endpoint_not_found' } } });
    expect((await deliver(ep.url.replace(ep.endpointId, 'not-a-uuid'), e, ep.secret)).status).toBe(404);
    expect(await deliver(ep.url, e, ep.secret, { signature: null })).toMatchObject({ status: 400, json: { error: { code: 'webhook_signature_missing' } } });
    expect(await deliver(ep.url, e, f.newWebhookSecret())).toMatchObject({ status: 400, json: { error: { code: 'webhook_signature_invalid' } } });
    expect(await deliver(ep.url, e, ep.secret, { signature: 't=1,v1=abc' })).toMatchObject({ status: 400, json: { error: { code: 'webhook_signature_invalid' } } });
    const stale = await deliver(ep.url, e, ep.secret, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale).toMatchObject({ status: 400, json: { error: { code: 'webhook_signature_invalid' } } });
    const live = await deliver(ep.url, { ...e, livemode: true }, ep.secret);
    expect(live).toMatchObject({ status: 400, json: { error: { code: 'webhook_livemode_mismatch' } } });
    const huge = await deliver(ep.url, { ...e, padding: 'x'.repeat(70_000) }, ep.secret);
    expect(huge).toMatchObject({ status: 413, json: { error: { code: 'body_too_large' } } });
    expect(await storedEvents(testDb.db, 'id = $1', [e.id])).toHaveLength(0);
    expect(await metric('webhook_endpoint_not_found')).toBe(counts.notFound + 2);
    expect(await metric('webhook_signature_missing')).toBe(counts.missing + 1);
    expect(await metric('webhook_signature_invalid')).toBe(counts.invalid + 3);
    expect(await metric('webhook_livemode_mismatch')).toBe(counts.mode + 1);
    expect(await metric('body_too_large')).toBe(counts.large + 1);
  });

  it('when the database is down it answers 503 so Stripe retries, and stores the retry once it is back', async () => {
    const e = invoicePaid();
    db.down = true;
    try {
      const res = await deliver(ep.url, e, ep.secret);
      expect(res).toMatchObject({ status: 503, json: { error: { code: 'webhook_store_failed' } } });
      // an endpoint not seen before cannot even be looked up
      const cold = await deliver(ep.url.replace(ep.endpointId, randomUUID()), e, ep.secret);
      expect(cold.status).toBe(503);
    } finally {
      db.down = false;
    }
    expect(await storedEvents(testDb.db, 'id = $1', [e.id])).toHaveLength(0);
    expect(await metric('webhook_store_failed')).toBeGreaterThanOrEqual(2);
    expect((await deliver(ep.url, e, ep.secret)).status).toBe(200);
    expect(await storedEvents(testDb.db, 'id = $1', [e.id])).toHaveLength(1);
  });

  it('the real sandbox’s deliveries are stored: signatures made by Stripe’s scheme verify', async () => {
    const customer = await env.stripe.customers.create({ email: 'real@example.test' });
    await env.sandbox.waitForDeliveries(10_000);
    const stored = await storedEvents(testDb.db, "type = 'customer.created' and object_id = $1", [customer.id]);
    expect(stored).toHaveLength(1);
    expect(env.sandbox.deliveries({ eventId: stored[0]!.id }).map((d) => d.status)).toEqual([200]);
  });
});
