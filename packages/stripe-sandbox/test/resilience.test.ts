// Idempotency keys and injected faults: replays and mismatches, 5xx before or after
// the operation (and the SDK's retries with the same key), 429 with Retry-After,
// latency, path and method filters, determinism under a seed, and webhook faults
// (duplicates, dropped first attempts, delays, reordering).
import Stripe from 'stripe';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../src/index.ts';
import { jsonOf, newKey, startReceiver, startValidated, type TestSandbox, useSandbox } from './helpers.ts';

const t = useSandbox({ seed: 'resilience' });

afterEach(() => t.sandbox.faults.clear());

describe('idempotency keys', () => {
  it('replays the first response for the same key and body', async () => {
    const stripe = t.stripe();
    const key = `order-${Date.now()}`;
    const first = await stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: key });
    const second = await stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(second.lastResponse.requestId).toBe(first.lastResponse.requestId);
    expect((await stripe.customers.list()).data).toHaveLength(1);
    expect((await stripe.events.list()).data).toHaveLength(1);
  });

  it('refuses the same key with another body with an idempotency_error', async () => {
    const stripe = t.stripe();
    await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'k-mismatch' });
    const err = (await stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'k-mismatch' }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    const samePathOtherEndpoint = (await stripe.products.create({ name: 'x' }, { idempotencyKey: 'k-mismatch' }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(samePathOtherEndpoint).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('scopes keys per account and does not save parameter errors', async () => {
    const a = t.stripe();
    const b = t.stripe();
    const fromA = await a.customers.create({ email: 'scoped@example.com' }, { idempotencyKey: 'shared-key' });
    const fromB = await b.customers.create({ email: 'scoped@example.com' }, { idempotencyKey: 'shared-key' });
    expect(fromB.id).not.toBe(fromA.id);
    await expect(a.customers.create({ emial: 'typo' } as Stripe.CustomerCreateParams, { idempotencyKey: 'fix-me' })).rejects.toMatchObject({ code: 'parameter_unknown' });
    const fixed = await a.customers.create({ email: 'fixed@example.com' }, { idempotencyKey: 'fix-me' });
    expect(fixed.email).toBe('fixed@example.com');
  });

  it('replays a saved card decline rather than charging again', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({ payment_method: 'pm_card_chargeCustomerFail', invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' } });
    const product = await stripe.products.create({ name: 'Idem' });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 100, currency: 'usd', recurring: { interval: 'month' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const pay = (): Promise<unknown> => stripe.invoices.pay(sub.latest_invoice as string, {}, { idempotencyKey: 'pay-once' }).catch((e: unknown) => e);
    const first = (await pay()) as Stripe.errors.StripeError;
    const again = (await pay()) as Stripe.errors.StripeError;
    expect(first.statusCode).toBe(402);
    expect(again.statusCode).toBe(402);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(2);
  });
});

describe('API faults', () => {
  it('fails before executing: the SDK retries with the same key and one object results', async () => {
    const stripe = t.stripe(newKey(), { maxNetworkRetries: 3 });
    t.sandbox.faults.set([{ kind: 'api_error', status: 500, phase: 'before', limit: 2, paths: ['/v1/customers'], methods: ['POST'] }]);
    const customer = await stripe.customers.create({ email: 'retried@example.com' });
    expect(customer.email).toBe('retried@example.com');
    expect((await stripe.customers.list()).data).toHaveLength(1);
    expect(t.sandbox.faults.list()[0]?.fired).toBe(2);
  });

  it('fails after executing and saving: the retry replays, so nothing happens twice', async () => {
    const key = newKey();
    t.sandbox.faults.set([{ kind: 'api_error', status: 503, phase: 'after', limit: 1, paths: ['/v1/products'] }]);
    const err = (await t.stripe(key).products.create({ name: 'Half done' }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(503);
    expect((await t.stripe(key).products.list()).data).toHaveLength(1);
    t.sandbox.faults.set([{ kind: 'api_error', phase: 'after', limit: 1, paths: ['/v1/products'] }]);
    const retrying = t.stripe(newKey(), { maxNetworkRetries: 2 });
    const product = await retrying.products.create({ name: 'Exactly once' });
    expect(product.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await retrying.products.list()).data.map((p) => p.id)).toEqual([product.id]);
  });

  it('rate limits with 429 and Retry-After, for the paths and methods given', async () => {
    const stripe = t.stripe();
    t.sandbox.faults.set([{ kind: 'rate_limit', retryAfter: 2, paths: ['/v1/customers*'], methods: ['GET'] }]);
    const err = (await stripe.customers.list().catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(err.headers?.['retry-after']).toBe('2');
    expect((await stripe.customers.create({})).object).toBe('customer');
    expect((await stripe.products.list()).object).toBe('list');
  });

  it('adds latency', async () => {
    const stripe = t.stripe();
    t.sandbox.faults.set([{ kind: 'latency', ms: 150 }]);
    const started = Date.now();
    await stripe.products.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('is deterministic under a seed', async () => {
    const rules: FaultRule[] = [{ kind: 'api_error', rate: 0.4, paths: ['/v1/products'] }, { kind: 'rate_limit', rate: 0.2 }];
    const pattern = async (seed: string): Promise<number[]> => {
      const s: TestSandbox = await startValidated({ seed, faults: rules });
      try {
        const stripe = s.stripe();
        const out: number[] = [];
        for (let i = 0; i < 30; i++) {
          const res = await stripe.products.create({ name: `p${i}` }).then(() => 200, (e: Stripe.errors.StripeError) => e.statusCode ?? 0);
          out.push(res);
        }
        s.recorder.assertValid();
        return out;
      } finally {
        await s.sandbox.stop();
      }
    };
    const a = await pattern('seed-1');
    const b = await pattern('seed-1');
    const c = await pattern('seed-2');
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(new Set([200, 500, 429]));
  });

  it('is managed through the control endpoint', async () => {
    const url = `${t.sandbox.url}/_sandbox/faults`;
    const added = await fetch(url, { method: 'POST', body: JSON.stringify({ kind: 'api_error', status: 502, paths: ['/v1/charges'] }) });
    expect((await jsonOf(added)).faults).toHaveLength(1);
    expect((await t.stripe().charges.list().catch((e: Stripe.errors.StripeError) => e)) as Stripe.errors.StripeError).toMatchObject({ statusCode: 502 });
    const listed = await jsonOf(await fetch(url));
    expect(listed.faults[0]).toMatchObject({ kind: 'api_error', status: 502, fired: 1 });
    expect((await fetch(url, { method: 'POST', body: JSON.stringify({ kind: 'meteor' }) })).status).toBe(400);
    expect((await fetch(url, { method: 'POST', body: 'not json' })).status).toBe(400);
    await fetch(url, { method: 'DELETE' });
    expect((await t.stripe().charges.list()).object).toBe('list');
  });
});

describe('webhook faults', () => {
  const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  async function hooked(events: string[]): Promise<{ stripe: Stripe; receiver: Awaited<ReturnType<typeof startReceiver>>; endpoint: Stripe.WebhookEndpoint }> {
    const stripe = t.stripe();
    const receiver = await startReceiver();
    receivers.push(receiver);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[] });
    receiver.secret = endpoint.secret as string;
    return { stripe, receiver, endpoint };
  }

  it('duplicates deliveries', async () => {
    const { stripe, receiver } = await hooked(['customer.created']);
    t.sandbox.faults.set([{ kind: 'webhook_duplicate', rate: 1 }]);
    await stripe.customers.create({});
    await t.sandbox.waitForDeliveries();
    const ids = receiver.events().map((e) => e.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(t.sandbox.deliveries({ eventId: ids[0] as string }).map((d) => d.duplicate)).toEqual([false, true]);
  });

  it('drops the first attempt without sending it, then retries', async () => {
    const { stripe, receiver, endpoint } = await hooked(['customer.created']);
    t.sandbox.faults.set([{ kind: 'webhook_drop_first' }]);
    await stripe.customers.create({});
    await t.sandbox.waitForDeliveries();
    expect(receiver.events()).toHaveLength(1);
    expect(t.sandbox.deliveries({ endpointId: endpoint.id }).map((d) => d.outcome)).toEqual(['dropped', 'succeeded']);
  });

  it('delays deliveries', async () => {
    const { stripe, receiver } = await hooked(['customer.created']);
    t.sandbox.faults.set([{ kind: 'webhook_delay', ms: [120, 150] }]);
    const started = Date.now();
    await stripe.customers.create({});
    await t.sandbox.waitForDeliveries();
    expect(receiver.events()).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('reorders deliveries within a window', async () => {
    const { stripe, receiver } = await hooked(['product.created']);
    t.sandbox.faults.set([{ kind: 'webhook_reorder', windowMs: 300 }]);
    await Promise.all(Array.from({ length: 8 }, (_, i) => stripe.products.create({ name: `R${i}` })));
    await t.sandbox.waitForDeliveries();
    const createdOrder = (await stripe.events.list({ type: 'product.created' })).data.map((e) => e.id).reverse();
    const received = receiver.events().map((e) => e.id);
    expect([...received].sort()).toEqual([...createdOrder].sort());
    expect(received).not.toEqual(createdOrder);
  });
});
