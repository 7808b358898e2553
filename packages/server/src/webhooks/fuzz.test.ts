import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import { withSystem } from '../db/scope.ts';
import * as f from '../providers/stripe/fixtures.ts';
import { deliver, endpointOf, storedEvents, type Endpoint } from './test-helpers.ts';

/** A small seeded PRNG, so a failing case can be reproduced. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER,
  '',
  'x'.repeat(10_000),
  'evt_',
  'evt_\u0000',
  '\ud800',
  'невалид',
  [],
  [1, 2, 3],
  {},
  { id: 42 },
  { object: null },
];

describe('webhook intake under fuzzing', () => {
  let env: StripeTestEnv;
  let ep: Endpoint;
  const accepted = new Set<string>();
  const statuses: number[] = [];

  beforeAll(async () => {
    env = await createStripeTestEnv({ sandbox: { tickMs: 0 }, env: { TOLLGATE_WEBHOOK_BODY_LIMIT: '262144' } });
    await env.connect();
    ep = await endpointOf(env.t.services, env.owner.tenantId, env.url);
  });
  afterAll(async () => env.close());

  async function send(body: string, options: { signature?: string | null } = {}) {
    const res = await deliver(ep.url, body, ep.secret, options);
    statuses.push(res.status);
    if (res.status === 200 && res.json && !res.json.duplicate) {
      try {
        accepted.add((JSON.parse(body) as { id: string }).id);
      } catch {
        // not reachable: a 200 means the body parsed
      }
    }
    return res;
  }

  it('a good signature on malformed JSON, non-events or wrong types is a 400 with a stable code', async () => {
    const e = f.event('invoice.paid', f.invoice());
    const cases = [
      '',
      '{',
      '{"id": "evt_1",}',
      'null',
      '[]',
      '42',
      '"evt_1"',
      JSON.stringify({ ...e, id: 12345 }),
      JSON.stringify({ ...e, created: '2026-01-01' }),
      JSON.stringify({ ...e, created: -5 }),
      JSON.stringify({ ...e, created: 1e20 }),
      JSON.stringify({ ...e, livemode: 'false' }),
      JSON.stringify({ ...e, data: null }),
      JSON.stringify({ ...e, data: { object: [1, 2] } }),
      JSON.stringify({ ...e, type: 'invoice paid' }),
      JSON.stringify({ ...e, type: 'x'.repeat(500) }),
      JSON.stringify({ ...e, object: 'charge' }),
      JSON.stringify({ ...e, id: `evt_${'a'.repeat(300)}` }),
      JSON.stringify({ ...e, data: { object: { ...e.data.object, id: 7 } } }),
      JSON.stringify({ ...e, object: 'v2.core.event' }),
      JSON.stringify({ ...e, id: 'evt_\u0000null' }),
    ];
    for (const field of ['id', 'object', 'type', 'created', 'livemode', 'data']) {
      const copy: Record<string, unknown> = { ...e };
      delete copy[field];
      cases.push(JSON.stringify(copy));
    }
    for (const body of cases) {
      const res = await send(body);
      expect(res.status, body.slice(0, 120)).toBe(400);
      expect(res.json.error.code, body.slice(0, 120)).toBe('webhook_event_invalid');
    }
  });

  it('events whose content the database cannot hold (NUL characters, lone surrogates, absurd nesting) are refused, not crashed on', async () => {
    const e = f.event('customer.updated', f.customer());
    const nul = JSON.stringify({ ...e, data: { object: { ...e.data.object, name: 'a\u0000b' } } });
    const surrogate = JSON.stringify({ ...e, id: f.event('x.y', {}).id }).replace('"livemode":false', '"livemode":false,"note":"\\ud800"');
    const deep = `{"id":"${f.event('x.y', {}).id}","object":"event","type":"customer.updated","created":1,"livemode":false,"data":{"object":{"id":"cus_1","nest":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`;
    for (const body of [nul, surrogate, deep]) {
      const res = await send(body);
      expect(res.status, body.slice(0, 80)).toBe(400);
      expect(res.json.error.code).toBe('webhook_event_invalid');
    }
  });

  it('unsigned, missigned and oversized deliveries are refused before anything is parsed', async () => {
    const body = JSON.stringify(f.event('invoice.paid', f.invoice()));
    const headers = ['', 't=', 'v1=', 't=abc,v1=def', `t=${Math.floor(Date.now() / 1000)}`, `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`, 'x'.repeat(8000), 't=1,t=2,v1=a,v0=b'];
    for (const signature of headers) {
      const res = await send(body, { signature });
      expect([400], signature.slice(0, 40)).toContain(res.status);
    }
    expect((await send(body, { signature: null })).status).toBe(400);
    expect((await send(JSON.stringify({ ...JSON.parse(body), pad: randomBytes(200_000).toString('hex') }))).status).toBe(413);
    const raw = await fetch(ep.url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'stripe-signature': 't=1,v1=00' }, body: randomBytes(5000) });
    statuses.push(raw.status);
    expect(raw.status).toBe(400);
  });

  it('unknown event types with valid signatures are recorded as ignored', async () => {
    const res = await send(JSON.stringify(f.event('climate.order.delivered', { id: 'climorder_1', object: 'climate.order' })));
    expect(res.status).toBe(200);
    const made = await send(JSON.stringify(f.event('made.up.event_type', { whatever: [1, { deep: true }] })));
    expect(made.status).toBe(200);
  });

  it('five hundred random mutations of valid events: never a 5xx, every 200 stored whole, nothing stored for a 400', async () => {
    const r = prng(20261122);
    const types = ['invoice.paid', 'customer.subscription.updated', 'charge.refunded', 'checkout.session.completed', 'radar.early_fraud_warning.created', 'product.updated', 'ping', 'a.b'];
    for (let i = 0; i < 500; i++) {
      const e = f.event(r.pick(types), { id: `obj_${i}`, object: r.pick(['invoice', 'subscription', 'charge', 'x']) }) as unknown as Record<string, any>;
      const mutations = 1 + r.int(3);
      for (let m = 0; m < mutations; m++) {
        const data = e.data;
        const target = r.next() < 0.5 || !data || typeof data !== 'object' || Array.isArray(data) ? e : data;
        const keys = Object.keys(target);
        const key = r.next() < 0.2 ? `extra_${r.int(5)}` : r.pick(keys);
        if (r.next() < 0.3) delete target[key];
        else target[key] = structuredClone(r.pick(WEIRD_VALUES));
      }
      let body = JSON.stringify(e);
      if (r.next() < 0.05) body = body.slice(0, r.int(body.length));
      const res = await send(body);
      expect(res.status, body.slice(0, 200)).toBeLessThan(500);
      expect([200, 400], body.slice(0, 200)).toContain(res.status);
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(20);
  });

  it('what was stored is whole: every accepted event has its row (and its job when it is acted on), nothing else was stored', async () => {
    const rows = await storedEvents(env.t.testDb.db, 'tenant_id = $1', [env.owner.tenantId]);
    expect(new Set(rows.map((r) => r.id))).toEqual(accepted);
    for (const row of rows) {
      expect(row.payload).toMatchObject({ id: row.id, type: row.type });
      expect(['pending', 'ignored']).toContain(row.status);
    }
    const orphans = await withSystem(env.t.testDb.db, async (tx) =>
      (
        await tx.query(
          `select j.id from jobs j where j.queue = 'webhooks.process' and not exists (select 1 from webhook_events e where e.tenant_id = j.tenant_id and e.id = j.payload->>'eventId')`,
        )
      ).rows,
    );
    expect(orphans).toEqual([]);
    const pendingWithoutJob = await withSystem(env.t.testDb.db, async (tx) =>
      (
        await tx.query(
          `select e.id from webhook_events e where e.status = 'pending' and not exists (select 1 from jobs j where j.queue = 'webhooks.process' and j.payload->>'eventId' = e.id)`,
        )
      ).rows,
    );
    expect(pendingWithoutJob).toEqual([]);
    expect((await env.t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('processing the accepted nonsense does not crash the worker: each event ends processed, ignored or waiting for a retry with its error', async () => {
    await env.t.services.jobs.drain();
    const rows = await storedEvents(env.t.testDb.db, 'tenant_id = $1', [env.owner.tenantId]);
    for (const row of rows) {
      expect(['processed', 'ignored', 'retrying']).toContain(row.status);
      if (row.status === 'retrying') expect(row.last_error).toBeTruthy();
    }
    const running = await withSystem(env.t.testDb.db, async (tx) => (await tx.query("select id from jobs where status = 'running'")).rows);
    expect(running).toEqual([]);
  });
});
