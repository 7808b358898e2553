/**
 * Test helpers: a sandbox per test file with every API response checked against
 * Stripe's OpenAPI spec, SDK clients with fresh test keys, a real local webhook
 * receiver that verifies signatures with the SDK's `constructEvent`, and the hosted
 * pages driven with plain form posts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/index.ts';
import { ResponseRecorder, openApiValidator } from './openapi.ts';

export function newKey(): string {
  return `sk_test_${randomUUID().replaceAll('-', '')}`;
}

export interface TestSandbox {
  sandbox: Sandbox;
  recorder: ResponseRecorder;
  /** An SDK client for a fresh account (or the given key). */
  stripe(key?: string, config?: Stripe.StripeConfig): Stripe;
}

export function clientFor(sandbox: Sandbox, key: string = newKey(), config: Stripe.StripeConfig = {}): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0, ...config });
}

/** Start a sandbox with response validation; also returns the recorder. */
export async function startValidated(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const recorder = new ResponseRecorder(openApiValidator());
  const sandbox = await startSandbox({ webhookRetrySchedule: [20, 40, 80], tickMs: 0, ...opts, onResponse: recorder.onResponse });
  return { sandbox, recorder, stripe: (key, config) => clientFor(sandbox, key, config) };
}

/**
 * One sandbox for the whole test file; after each test every response it sent must
 * have matched the spec.
 */
export function useSandbox(opts: SandboxOptions = {}): TestSandbox {
  const holder = {} as TestSandbox;
  beforeAll(async () => {
    Object.assign(holder, await startValidated(opts));
  });
  afterEach(() => {
    holder.recorder.assertValid();
  });
  afterAll(async () => {
    await holder.sandbox?.stop();
  });
  return holder;
}

export interface Received {
  event: Stripe.Event;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests that failed signature verification. */
  rejected: string[];
  /** Set the secret to verify with (the endpoint's `whsec_…`). */
  secret: string;
  /** What to answer, by request number (1-based); default 200. */
  respond: (n: number) => number;
  close(): Promise<void>;
  events(type?: string): Stripe.Event[];
}

/** A real HTTP receiver that verifies every delivery like a Tollgate server would. */
export async function startReceiver(): Promise<Receiver> {
  const verifier = new Stripe(`sk_test_${randomBytes(8).toString('hex')}`);
  let n = 0;
  const receiver: Receiver = {
    url: '',
    received: [],
    rejected: [],
    secret: '',
    respond: () => 200,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    events: (type) => receiver.received.map((r) => r.event).filter((e) => !type || e.type === type),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = receiver.respond(++n);
      if (status >= 200 && status < 300) {
        try {
          const event = verifier.webhooks.constructEvent(body, String(req.headers['stripe-signature']), receiver.secret);
          receiver.received.push({ event, headers: req.headers, body });
        } catch (err) {
          receiver.rejected.push(err instanceof Error ? err.message : String(err));
          res.writeHead(400).end('bad signature');
          return;
        }
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'fail');
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  return receiver;
}

/** POST a form like a browser would (no redirect following). */
export function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

/** Pay a Checkout Session through its hosted page. */
export async function payCheckout(session: Stripe.Checkout.Session, paymentMethod = 'pm_card_visa', extra: Record<string, string> = {}): Promise<Response> {
  if (!session.url) throw new Error('session has no url');
  return postForm(session.url, { payment_method: paymentMethod, ...extra });
}

/** Poll until `check` returns a value (not undefined/false) or time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Advance a test clock and wait until it is ready again. */
export async function advanceTestClock(stripe: Stripe, clockId: string, frozenTime: number): Promise<Stripe.TestHelpers.TestClock> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
  return waitFor(async () => {
    const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    return clock.status === 'ready' ? clock : undefined;
  }, 10_000, `test clock ${clockId} to be ready`);
}

/** Event types of an account, oldest first. */
export async function eventTypes(stripe: Stripe, filter: Stripe.EventListParams = {}): Promise<string[]> {
  const types: string[] = [];
  for await (const e of stripe.events.list({ limit: 100, ...filter })) types.push(e.type);
  return types.reverse();
}

/** A product with a monthly price. */
export async function monthlyPrice(stripe: Stripe, amount = 1500, interval: 'month' | 'year' | 'week' | 'day' = 'month'): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: `Plan ${randomUUID().slice(0, 6)}` });
  return stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval } });
}

export const DAY = 86400;

/** A control endpoint's JSON answer, untyped for brevity in assertions. */
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}
