// Webhook endpoints and the events API, and deliveries: signed like Stripe (verified
// here with the SDK's constructEvent on a real HTTP receiver), asynchronous,
// filtered by enabled_events, retried with backoff, logged.
import { describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { signPayload } from '../src/index.ts';
import { jsonOf, startReceiver, useSandbox } from './helpers.ts';

const t = useSandbox();

describe('webhook endpoints', () => {
  it('shows the secret once, then retrieves, updates, lists and deletes', async () => {
    const stripe = t.stripe();
    const created = await stripe.webhookEndpoints.create({ url: 'https://app.example/webhooks', enabled_events: ['customer.created', 'invoice.paid'], description: 'main', metadata: { env: 'test' } });
    expect(created).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', url: 'https://app.example/webhooks', enabled_events: ['customer.created', 'invoice.paid'], description: 'main', metadata: { env: 'test' }, livemode: false });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    const fetched = await stripe.webhookEndpoints.retrieve(created.id);
    expect(fetched.secret).toBeUndefined();
    const updated = await stripe.webhookEndpoints.update(created.id, { enabled_events: ['*'], disabled: true, url: 'https://app.example/hooks' });
    expect(updated).toMatchObject({ enabled_events: ['*'], status: 'disabled', url: 'https://app.example/hooks' });
    expect((await stripe.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([created.id]);
    expect(await stripe.webhookEndpoints.del(created.id)).toMatchObject({ id: created.id, deleted: true });
    await expect(stripe.webhookEndpoints.retrieve(created.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(stripe.webhookEndpoints.create({ url: 'https://x.example', enabled_events: ['not.an_event' as Stripe.WebhookEndpointCreateParams.EnabledEvent] })).rejects.toMatchObject({ statusCode: 400, param: 'enabled_events[0]' });
    await expect(stripe.webhookEndpoints.create({ url: 'ftp://x.example', enabled_events: ['*'] })).rejects.toMatchObject({ statusCode: 400, param: 'url' });
  });
});

describe('delivery', () => {
  it('delivers matching events, signed so constructEvent accepts them, after the API call returns', async () => {
    const stripe = t.stripe();
    const receiver = await startReceiver();
    try {
      const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created', 'customer.updated'] });
      receiver.secret = endpoint.secret as string;
      const customer = await stripe.customers.create({ email: 'hook@example.com' });
      expect(receiver.received).toHaveLength(0); // the API answered before delivering
      await stripe.customers.update(customer.id, { name: 'Hook' });
      await stripe.products.create({ name: 'not subscribed' });
      await t.sandbox.waitForDeliveries();
      expect(receiver.rejected).toEqual([]);
      expect(receiver.events().map((e) => e.type).sort()).toEqual(['customer.created', 'customer.updated']);
      const created = receiver.received.find((r) => r.event.type === 'customer.created');
      expect(created?.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(created?.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
      const sig = String(created?.headers['stripe-signature']);
      const ts = Number(/t=(\d+)/.exec(sig)?.[1]);
      expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
      expect(sig).toBe(signPayload(created?.body as string, endpoint.secret as string, ts));
      expect(created?.event).toMatchObject({ object: 'event', livemode: false, api_version: '2026-10-28.endive', data: { object: { id: customer.id, email: 'hook@example.com' } } });
      expect(created?.event.account).toBeUndefined();
      const stored = await stripe.events.retrieve(created?.event.id as string);
      expect(stored.pending_webhooks).toBe(0);
      const log = t.sandbox.deliveries({ endpointId: endpoint.id });
      expect(log).toHaveLength(2);
      expect(log[0]).toMatchObject({ attempt: 1, status: 200, outcome: 'succeeded', url: receiver.url, error: null });
    } finally {
      await receiver.close();
    }
  });

  it('retries failed deliveries with backoff until the receiver answers 2xx', async () => {
    const stripe = t.stripe();
    const receiver = await startReceiver();
    try {
      receiver.respond = (n) => (n <= 2 ? 500 : 200);
      const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      receiver.secret = endpoint.secret as string;
      const product = await stripe.products.create({ name: 'Retry me' });
      const event = (await stripe.events.list({ type: 'product.created' })).data[0] as Stripe.Event;
      expect(event.pending_webhooks).toBe(1);
      await t.sandbox.waitForDeliveries();
      expect(receiver.events().map((e) => (e.data.object as Stripe.Product).id)).toEqual([product.id]);
      const attempts = t.sandbox.deliveries({ eventId: event.id });
      expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([[1, 500, 'failed'], [2, 500, 'failed'], [3, 200, 'succeeded']]);
      expect(attempts[0]?.next_retry_in_ms).toBe(20);
      const res = await fetch(`${t.sandbox.url}/_sandbox/deliveries?event=${event.id}`);
      const body = await jsonOf(res);
      expect(body.data).toHaveLength(3);
      expect(body.pending).toBe(0);
      expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('gives up after the schedule and logs connection errors', async () => {
    const stripe = t.stripe();
    const endpoint = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/nothing-listens', enabled_events: ['customer.created'] });
    await stripe.customers.create({});
    await t.sandbox.waitForDeliveries();
    const attempts = t.sandbox.deliveries({ endpointId: endpoint.id });
    expect(attempts).toHaveLength(4);
    expect(attempts.every((a) => a.status === null && a.error !== null && a.outcome === 'failed')).toBe(true);
    expect(attempts.at(-1)?.next_retry_in_ms).toBeNull();
    const event = (await stripe.events.list({ type: 'customer.created' })).data[0] as Stripe.Event;
    expect(event.pending_webhooks).toBe(1);
    expect((await stripe.events.list({ delivery_success: false })).data.map((e) => e.id)).toEqual([event.id]);
  });

  it('keeps deliveries concurrent and complete under a burst', async () => {
    const stripe = t.stripe();
    const receiver = await startReceiver();
    try {
      const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['product.created'] });
      receiver.secret = endpoint.secret as string;
      await Promise.all(Array.from({ length: 40 }, (_, i) => stripe.products.create({ name: `Burst ${i}` })));
      await t.sandbox.waitForDeliveries();
      expect(new Set(receiver.events().map((e) => e.id)).size).toBe(40);
      expect(receiver.rejected).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

describe('events', () => {
  it('lists by type (with wildcards), types and created range, newest first', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({});
    await stripe.customers.update(customer.id, { name: 'x' });
    await stripe.products.create({ name: 'y' });
    const all = await stripe.events.list();
    expect(all.data.map((e) => e.type)).toEqual(['product.created', 'customer.updated', 'customer.created']);
    expect((await stripe.events.list({ type: 'customer.*' })).data.map((e) => e.type)).toEqual(['customer.updated', 'customer.created']);
    expect((await stripe.events.list({ types: ['product.created', 'customer.created'] })).data).toHaveLength(2);
    const first = all.data[2] as Stripe.Event;
    expect((await stripe.events.list({ created: { gt: first.created + 3600 } })).data).toHaveLength(0);
    expect((await stripe.events.list({ created: { gte: first.created } })).data).toHaveLength(3);
    const updated = all.data[1] as Stripe.Event;
    expect(updated).toMatchObject({ request: { id: expect.stringMatching(/^req_/), idempotency_key: expect.any(String) }, data: { previous_attributes: { name: null } } });
    await expect(stripe.events.retrieve('evt_nope')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('waiting for deliveries', () => {
  it('times out while retries are pending and resolves once they are exhausted', async () => {
    const stripe = t.stripe();
    const receiver = await startReceiver();
    try {
      receiver.respond = () => 503;
      await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
      await stripe.customers.create({});
      await expect(t.sandbox.waitForDeliveries(5)).rejects.toThrow(/not settled/);
      await t.sandbox.waitForDeliveries();
      expect(t.sandbox.deliveries({ eventType: 'customer.created' }).filter((d) => d.url === receiver.url)).toHaveLength(4);
      const settle = await fetch(`${t.sandbox.url}/_sandbox/deliveries/settle`, { method: 'POST', body: '{}' });
      expect(await jsonOf(settle)).toEqual({ pending: 0 });
    } finally {
      await receiver.close();
    }
  });
});
