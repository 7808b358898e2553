// Authentication, Stripe's error shapes, and bad input: nothing a client sends crashes the sandbox.
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { newKey, useSandbox } from './helpers.ts';

const t = useSandbox();

async function raw(path: string, init: RequestInit & { key?: string | null } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('Authorization', `Bearer ${init.key ?? newKey()}`);
  const res = await fetch(`${t.sandbox.url}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

describe('authentication', () => {
  it('refuses a request without a key with a 401', async () => {
    const res = await raw('/v1/customers', { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toMatch(/You did not provide an API key/);
  });

  it('refuses a live key with the SDK\'s authentication error', async () => {
    const live = new Stripe(`sk_live_${'x'.repeat(10)}`, { host: '127.0.0.1', port: t.sandbox.port, protocol: 'http' });
    const err = await live.customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(401);
  });

  it('refuses a publishable key and a malformed key', async () => {
    expect((await raw('/v1/customers', { key: 'pk_test_abc' })).status).toBe(401);
    expect((await raw('/v1/customers', { key: 'not-a-key' })).status).toBe(401);
  });

  it('accepts Basic auth with the key as user name', async () => {
    const res = await raw('/v1/customers', { key: null, headers: { Authorization: `Basic ${Buffer.from(`${newKey()}:`).toString('base64')}` } });
    expect(res.status).toBe(200);
  });

  it('gives each key its own account, derived from the key', async () => {
    const key = newKey();
    const a = t.stripe(key);
    const b = t.stripe();
    const customer = await a.customers.create({ email: 'own@example.com' });
    await expect(b.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const account = await a.accounts.retrieveCurrent();
    expect(account.id).toBe(t.sandbox.accountIdForKey(key));
    expect((await t.stripe(key).accounts.retrieveCurrent()).id).toBe(account.id);
    expect((await b.accounts.retrieveCurrent()).id).not.toBe(account.id);
  });

  it('accepts restricted test keys', async () => {
    const res = await raw('/v1/customers', { key: `rk_test_${newKey().slice(8)}` });
    expect(res.status).toBe(200);
  });
});

describe('errors in Stripe\'s shape', () => {
  it('names an unknown parameter, nested ones included', async () => {
    const stripe = t.stripe();
    const err = (await stripe.customers.create({ emial: 'x@example.com' } as Stripe.CustomerCreateParams).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'emial', message: 'Received unknown parameter: emial' });
    const nested = (await stripe.customers.create({ invoice_settings: { colour: 'red' } } as unknown as Stripe.CustomerCreateParams).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(nested).toMatchObject({ code: 'parameter_unknown', param: 'invoice_settings[colour]' });
  });

  it('names a missing required parameter', async () => {
    const err = (await t.stripe().products.create({} as Stripe.ProductCreateParams).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'name' });
  });

  it('rejects wrong types with the parameter named', async () => {
    const stripe = t.stripe();
    const product = await stripe.products.create({ name: 'Typed' });
    const bad = (await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 'ten' as unknown as number }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(bad).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'unit_amount' });
    const flag = (await stripe.products.update(product.id, { active: 'maybe' as unknown as boolean }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(flag).toMatchObject({ statusCode: 400, param: 'active' });
    const limit = (await stripe.customers.list({ limit: 1000 }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(limit).toMatchObject({ statusCode: 400, param: 'limit' });
  });

  it('answers an unknown id with resource_missing (404)', async () => {
    const err = (await t.stripe().subscriptions.retrieve('sub_doesnotexist').catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toMatchObject({ statusCode: 404, code: 'resource_missing', type: 'StripeInvalidRequestError' });
    expect(err.message).toBe("No such subscription: 'sub_doesnotexist'");
  });

  it('answers an unknown route with a 404 and a request id', async () => {
    const res = await raw('/v1/nothing_here');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/Unrecognized request URL \(GET: \/v1\/nothing_here\)/);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
  });

  it('puts a request-id header on every response', async () => {
    const stripe = t.stripe();
    const customer = await stripe.customers.create({});
    expect(customer.lastResponse.requestId).toMatch(/^req_[A-Za-z0-9]{14}$/);
    const err = (await stripe.customers.retrieve('cus_missing').catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err.requestId).toMatch(/^req_/);
  });
});

describe('bad input never crashes it', () => {
  it('rejects a JSON body on a form endpoint', async () => {
    const res = await raw('/v1/customers', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":"x"}' });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request_error');
  });

  it('rejects malformed encodings and conflicting keys', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const broken = await raw('/v1/customers', { method: 'POST', headers: form, body: 'email=%E0%A4%A' });
    expect(broken.status).toBe(400);
    const conflict = await raw('/v1/customers', { method: 'POST', headers: form, body: 'metadata=1&metadata[a]=2' });
    expect(conflict.status).toBe(400);
    const deep = await raw('/v1/customers', { method: 'POST', headers: form, body: `metadata${'[a]'.repeat(30)}=1` });
    expect(deep.status).toBe(400);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const res = await raw('/v1/customers', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `description=${'a'.repeat(1_100_000)}` });
    expect(res.status).toBe(413);
  });

  it('answers junk of every kind in Stripe\'s error shape and keeps serving', async () => {
    const junk = ['', '=', '&&&', 'a[', 'a]=1', '[]=1', 'a[][]=1', '%00=%00', 'expand=1', 'expand[]=', 'limit=-1', '__proto__[x]=1', 'constructor[prototype][x]=1', 'metadata[' + 'k'.repeat(60) + ']=v', 'email[]=a'];
    const paths = ['/v1/customers', '/v1/products', '/v1/prices', '/v1/checkout/sessions', '/v1/subscriptions', '/v1/refunds', '/v1/webhook_endpoints', '/v1/customers/cus_x', '/v1/invoices/in_x/pay'];
    for (const path of paths) {
      for (const body of junk) {
        for (const method of ['POST', 'GET', 'DELETE']) {
          const res = await raw(method === 'POST' ? path : `${path}?${body}`, { method, ...(method === 'POST' ? { body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {}) });
          expect(res.status, `${method} ${path} ${body}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.error, `${method} ${path} ${body}`).toMatchObject({ type: expect.any(String), message: expect.any(String) });
        }
      }
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    const alive = await t.stripe().customers.create({ email: 'still@alive.test' });
    expect(alive.email).toBe('still@alive.test');
  });
});
