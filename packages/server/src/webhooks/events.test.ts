import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, signUp } from '../../test/app.ts';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import * as f from '../providers/stripe/fixtures.ts';
import { deliver, endpointOf, webhookJobs, type Endpoint } from './test-helpers.ts';

describe('the webhook event console', () => {
  let env: StripeTestEnv;
  let ep: Endpoint;
  const ids: Record<string, string[]> = { invoice: [], customer: [], ignored: [] };
  let someInvoice = '';

  beforeAll(async () => {
    env = await createStripeTestEnv({ sandbox: { tickMs: 0 }, env: { TOLLGATE_WORKER_POLL_MS: '60000' } });
    await env.connect();
    ep = await endpointOf(env.t.services, env.owner.tenantId, env.url);
    for (let i = 0; i < 10; i++) {
      const inv = f.invoice();
      someInvoice = inv.id!;
      const a = f.event('invoice.paid', inv);
      const b = f.event('customer.updated', f.customer());
      const c = f.event('balance.available', { object: 'balance' });
      for (const e of [a, b, c]) expect((await deliver(ep.url, e, ep.secret)).status).toBe(200);
      ids.invoice!.push(a.id);
      ids.customer!.push(b.id);
      ids.ignored!.push(c.id);
    }
  });
  afterAll(async () => {
    await env.t.services.jobs.stop();
    await env.close();
  });

  it('lists the newest events first, 25 per page, with a cursor to the next page', async () => {
    const first = (await env.api('GET', '/v1/webhooks/events')).json();
    expect(first.data).toHaveLength(25);
    expect(first.has_more).toBe(true);
    expect(first.data[0].id).toBe(ids.ignored!.at(-1));
    expect(first.summary).toEqual({ pending: 20 });
    const second = (await env.api('GET', `/v1/webhooks/events?starting_after=${first.data.at(-1).id}`)).json();
    expect(second.data).toHaveLength(5);
    expect(second.has_more).toBe(false);
    const all = [...first.data, ...second.data].map((e: { id: string }) => e.id);
    expect(new Set(all).size).toBe(30);
    expect(first.data[0]).toMatchObject({ type: 'balance.available', mode: 'test', status: 'ignored', attempts: 0, last_error: null, livemode: false, api_version: '2026-10-28.endive' });
  });

  it('filters by status, type or type prefix, and the object an event is about', async () => {
    const byPrefix = (await env.api('GET', '/v1/webhooks/events?type=invoice.*&limit=100')).json().data;
    expect(byPrefix.map((e: { id: string }) => e.id).sort()).toEqual([...ids.invoice!].sort());
    expect((await env.api('GET', '/v1/webhooks/events?type=customer.updated&limit=100')).json().data).toHaveLength(10);
    expect((await env.api('GET', '/v1/webhooks/events?status=ignored&limit=100')).json().data).toHaveLength(10);
    const about = (await env.api('GET', `/v1/webhooks/events?object_id=${someInvoice}`)).json().data;
    expect(about).toHaveLength(1);
    expect(about[0].object).toEqual({ type: 'invoice', id: someInvoice });
  });

  it('shows one event with its payload; another tenant’s event is not found', async () => {
    const one = await env.api('GET', `/v1/webhooks/events/${ids.invoice![0]}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().payload).toMatchObject({ id: ids.invoice![0], type: 'invoice.paid', object: 'event' });
    const stranger = await signUp(env.t.app, { email: 'stranger@example.test', password: PASSWORD, tenant_name: 'Stranger' });
    expect((await stranger.request({ method: 'GET', url: `/v1/webhooks/events/${ids.invoice![0]}` })).statusCode).toBe(404);
    expect((await stranger.request({ method: 'GET', url: '/v1/webhooks/events' })).json().data).toEqual([]);
    // the same tenant in live mode sees none of its test events
    expect((await env.owner.request({ method: 'GET', url: `/v1/webhooks/events/${ids.invoice![0]}`, headers: { 'tollgate-mode': 'live' } })).statusCode).toBe(404);
  });

  it('refuses bad filters with a clear error', async () => {
    const bad = await env.api('GET', '/v1/webhooks/events?status=exploded');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'validation_failed' });
    expect((await env.api('GET', '/v1/webhooks/events?limit=1000')).statusCode).toBe(400);
    expect((await env.api('GET', "/v1/webhooks/events?type=invoice'--")).statusCode).toBe(400);
  });

  it('a queued event cannot be replayed (it is about to run); a processed one can, and is queued once', async () => {
    const id = ids.customer![0]!;
    const early = await env.api('POST', `/v1/webhooks/events/${id}/replay`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('webhook_event_in_progress');
    await env.t.services.jobs.drain();
    expect((await env.api('GET', `/v1/webhooks/events/${id}`)).json().status).toBe('processed');
    const replay = await env.api('POST', `/v1/webhooks/events/${id}/replay`);
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toMatchObject({ id, status: 'pending', attempts: 0 });
    expect((await env.api('POST', `/v1/webhooks/events/${id}/replay`)).statusCode).toBe(409);
    expect((await webhookJobs(env.t.testDb.db)).filter((j) => j.payload.eventId === id && j.status === 'queued')).toHaveLength(1);
    await env.t.services.jobs.drain();
    expect((await env.api('GET', `/v1/webhooks/events/${id}`)).json()).toMatchObject({ status: 'processed', attempts: 1 });
    expect((await env.api('POST', '/v1/webhooks/events/evt_nope/replay')).statusCode).toBe(404);
  });

  it('a publishable key can neither list nor replay events', async () => {
    const pk = (await env.owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'publishable', mode: 'test' } })).json().key;
    expect((await env.t.app.inject({ method: 'GET', url: '/v1/webhooks/events', headers: bearer(pk) })).statusCode).toBe(403);
    expect((await env.t.app.inject({ method: 'POST', url: '/v1/webhooks/events/replay', headers: bearer(pk) })).statusCode).toBe(403);
  });

  it('with workers running, a new event is processed at once: intake wakes them (they poll only once a minute here)', async () => {
    await env.t.services.jobs.drain();
    await env.t.services.jobs.start();
    const e = f.event('customer.created', f.customer());
    expect((await deliver(ep.url, e, ep.secret)).status).toBe(200);
    await expect.poll(async () => (await env.api('GET', `/v1/webhooks/events/${e.id}`)).json().status, { timeout: 5_000, interval: 25 }).toBe('processed');
  });
});
