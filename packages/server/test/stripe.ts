/**
 * End-to-end test environment: the Stripe sandbox on a real port, and the app
 * listening on a real port (so the sandbox can deliver signed webhooks to it),
 * with TOLLGATE_STRIPE_API_BASE pointing every Stripe call at the sandbox.
 * Never a mocked SDK: every Stripe call crosses HTTP.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import Stripe from 'stripe';
import { startSandbox, type Sandbox, type SandboxOptions } from '@tollgate/stripe-sandbox';
import { ManualClock } from '../src/lib/clock.ts';
import { bearer, createTestApp, PASSWORD, signUp, type Console, type TestApp, type TestAppOptions } from './app.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A fresh Stripe test key: each distinct key is its own sandbox account. */
/** A fresh Stripe-shaped key (any prefix: sk_test, sk_live, rk_test, pk_test, …), made at run time. */
export function newStripeKey(prefix = 'sk_test'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export interface StripeTestEnv {
  sandbox: Sandbox;
  t: TestApp;
  url: string;
  owner: Console;
  ownerEmail: string;
  /** The tenant's Tollgate secret key (test mode). */
  secretKey: string;
  /** The tenant's Stripe key in the sandbox. */
  stripeKey: string;
  /** An SDK client on the tenant's sandbox account, for assertions. */
  stripe: Stripe;
  /** Calls the app with the tenant's secret key. */
  api(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Connects the tenant's Stripe account in test mode (registers the webhook endpoint). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

export async function createStripeTestEnv(options: TestAppOptions & { sandbox?: SandboxOptions } = {}): Promise<StripeTestEnv> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await createTestApp({
    // Tollgate's clock starts where the sandbox's is, so Stripe times and Tollgate times agree.
    clock: new ManualClock(sandbox.clock.now() * 1000),
    ...options,
    env: { TOLLGATE_SIGNUP: 'open', TOLLGATE_STRIPE_API_BASE: sandbox.url, TOLLGATE_PUBLIC_URL: url, ...options.env },
  });
  await t.app.listen({ port, host: '127.0.0.1' });
  const ownerEmail = `owner-${randomBytes(3).toString('hex')}@acme.test`;
  const owner = await signUp(t.app, { email: ownerEmail, password: PASSWORD, tenant_name: 'Acme' });
  const created = await owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } });
  const secretKey = (created.json() as { key: string }).key;
  const stripeKey = newStripeKey();
  const stripe = new Stripe(stripeKey, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
  const api: StripeTestEnv['api'] = (method, path, payload) =>
    t.app.inject({ method, url: path, headers: bearer(secretKey), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  return {
    sandbox,
    t,
    url,
    owner,
    ownerEmail,
    secretKey,
    stripeKey,
    stripe,
    api,
    async connect() {
      const res = await api('PUT', '/v1/providers/stripe/test', { secret_key: stripeKey });
      if (res.statusCode !== 200) throw new Error(`connect failed: ${res.statusCode} ${res.body}`);
    },
    async close() {
      await t.close();
      await sandbox.stop();
    },
  };
}
