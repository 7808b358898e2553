// The sandbox's building blocks on their own: form decoding, parameter shapes,
// calendar arithmetic, seeded randomness, webhook signatures, the CLI.
import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { addInterval } from '../src/core/clock.ts';
import { StripeApiError } from '../src/core/errors.ts';
import { decodeForm, encodeForm } from '../src/core/form.ts';
import { array, boolean, integer, metadata, object, oneOf, parseShape, string } from '../src/core/params.ts';
import { createRandom, shuffle } from '../src/core/prng.ts';
import { parseSandboxArgs, runSandboxCli, signPayload } from '../src/index.ts';
import { startValidated } from './helpers.ts';

function thrown(fn: () => unknown): StripeApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StripeApiError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('form decoding', () => {
  it('builds nested hashes and arrays from brackets, the way the SDK encodes them', () => {
    const body = encodeForm({ items: [{ price: 'price_1', quantity: 2 }, { price: 'price_2' }], metadata: { a: 'x y', b: '' }, expand: ['data.customer'] });
    expect(decodeForm(body)).toEqual({ items: { 0: { price: 'price_1', quantity: '2' }, 1: { price: 'price_2' } }, metadata: { a: 'x y', b: '' }, expand: { 0: 'data.customer' } });
    expect(decodeForm('expand[]=a&expand[]=b&q=a+b')).toEqual({ expand: { 0: 'a', 1: 'b' }, q: 'a b' });
    expect(decodeForm('a[][x]=1&a[][y]=2&a[][x]=3')).toEqual({ a: { 0: { x: '1', y: '2' }, 1: { x: '3' } } });
    const tricky = decodeForm('__proto__[polluted]=1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(tricky)).toEqual(['__proto__']);
  });

  it('rejects conflicting shapes and broken escapes', () => {
    expect(thrown(() => decodeForm('a=1&a[b]=2')).status).toBe(400);
    expect(thrown(() => decodeForm('a[b]=1&a=2')).status).toBe(400);
    expect(thrown(() => decodeForm('a=%ZZ')).status).toBe(400);
  });
});

describe('parameter shapes', () => {
  const shape = {
    name: string().req(),
    count: integer({ min: 1 }),
    on: boolean(),
    mode: oneOf(['a', 'b', 'c']),
    meta: metadata(),
    items: array(object({ price: string().req(), qty: integer() })),
  };

  it('decodes typed values and treats an empty string as "unset"', () => {
    const parsed = parseShape(shape, decodeForm('name=x&count=3&on=true&mode=b&meta[k]=v&items[1][price]=p2&items[0][price]=p1&items[0][qty]=2'));
    expect(parsed).toEqual({ name: 'x', count: 3, on: true, mode: 'b', meta: { k: 'v' }, items: [{ price: 'p1', qty: 2 }, { price: 'p2' }] });
    expect(parseShape(shape, decodeForm('name=x&mode=')).mode).toBeNull();
  });

  it('answers with Stripe\'s codes and the parameter path', () => {
    expect(thrown(() => parseShape(shape, decodeForm('count=1'))).body).toMatchObject({ code: 'parameter_missing', param: 'name' });
    expect(thrown(() => parseShape(shape, decodeForm('name='))).body).toMatchObject({ code: 'parameter_invalid_empty', param: 'name' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&count=1.5'))).body).toMatchObject({ code: 'parameter_invalid_integer', param: 'count' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&count=0'))).body).toMatchObject({ param: 'count' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&on=yes'))).body).toMatchObject({ message: 'Invalid boolean: yes', param: 'on' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&mode=z'))).body).toMatchObject({ message: 'Invalid mode: must be one of a, b, or c', param: 'mode' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&items[0][colour]=red'))).body).toMatchObject({ code: 'parameter_unknown', param: 'items[0][colour]' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&items[x][price]=p'))).body).toMatchObject({ param: 'items[x]' });
    expect(thrown(() => parseShape(shape, decodeForm('name=x&items=p'))).body).toMatchObject({ param: 'items' });
    expect(thrown(() => parseShape(shape, decodeForm(`name=x&meta[k]=${'v'.repeat(501)}`))).body).toMatchObject({ param: 'meta[k]' });
    expect(thrown(() => parseShape(shape, decodeForm('name[a]=x'))).body).toMatchObject({ param: 'name' });
  });
});

describe('billing periods', () => {
  it('keeps the anchor day, clamped to short months', () => {
    const jan31 = Date.UTC(2030, 0, 31, 9, 30) / 1000;
    const at = (n: number): string => new Date(addInterval(jan31, 'month', 1, n) * 1000).toISOString();
    expect([at(1), at(2), at(3), at(13)]).toEqual(['2030-02-28T09:30:00.000Z', '2030-03-31T09:30:00.000Z', '2030-04-30T09:30:00.000Z', '2031-02-28T09:30:00.000Z']);
    const leap = Date.UTC(2028, 1, 29) / 1000;
    expect(new Date(addInterval(leap, 'year', 1) * 1000).toISOString()).toBe('2029-02-28T00:00:00.000Z');
    expect(addInterval(1000, 'week', 2)).toBe(1000 + 14 * 86400);
    expect(addInterval(1000, 'day', 1, 3)).toBe(1000 + 3 * 86400);
  });
});

describe('seeded randomness', () => {
  it('repeats under the same seed and differs across seeds', () => {
    const draw = (seed: string): number[] => {
      const r = createRandom(seed);
      return Array.from({ length: 5 }, () => r.int(0, 1000));
    };
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
    expect(shuffle([1, 2, 3, 4, 5, 6], createRandom('s'))).toEqual(shuffle([1, 2, 3, 4, 5, 6], createRandom('s')));
  });
});

describe('webhook signatures', () => {
  it('signs t.payload with HMAC-SHA256 so the SDK verifies it', () => {
    const secret = `whsec_${'k'.repeat(10)}`;
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.created', data: { object: {} } });
    const t = Math.floor(Date.now() / 1000);
    const header = signPayload(payload, secret, t);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`);
    expect(new Stripe('sk_test_x').webhooks.constructEvent(payload, header, secret).id).toBe('evt_1');
    expect(() => new Stripe('sk_test_x').webhooks.constructEvent(payload, header, `${secret}x`)).toThrow();
  });
});

describe('an injected time source', () => {
  it('dates every object from it, and the sandbox clock moves on from there', async () => {
    const base = Date.UTC(2031, 5, 1);
    const s = await startValidated({ now: () => base });
    try {
      const stripe = s.stripe();
      expect((await stripe.customers.create({})).created).toBe(base / 1000);
      s.sandbox.clock.advance(3600);
      expect((await stripe.products.create({ name: 'Later' })).created).toBe(base / 1000 + 3600);
      s.recorder.assertValid();
    } finally {
      await s.sandbox.stop();
    }
  });
});

describe('command line', () => {
  it('parses flags and refuses unknown ones', () => {
    expect(parseSandboxArgs([])).toMatchObject({ port: 12111, host: '127.0.0.1' });
    expect(parseSandboxArgs(['--port', '0', '--data-file=/tmp/x.json', '--seed', 's', '--webhook-retry-schedule', '5,10'])).toMatchObject({ port: 0, dataFile: '/tmp/x.json', seed: 's', webhookRetrySchedule: [5, 10] });
    expect(() => parseSandboxArgs(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseSandboxArgs(['--nope'])).toThrow(/Unknown option/);
    expect(parseSandboxArgs(['--help']).help).toBe(true);
  });

  it('serves on 127.0.0.1 and prints its URL', async () => {
    const lines: string[] = [];
    const sandbox = await runSandboxCli(['--port', '0'], { print: (l) => lines.push(l), handleSignals: false });
    try {
      expect(sandbox).not.toBeNull();
      expect(lines[0]).toBe(`Stripe sandbox listening on ${sandbox?.url}`);
      expect(sandbox?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const index = await fetch(`${sandbox?.url}/`);
      expect(await index.text()).toContain('Tollgate Stripe sandbox');
    } finally {
      await sandbox?.stop();
    }
    const help: string[] = [];
    expect(await runSandboxCli(['--help'], { print: (l) => help.push(l) })).toBeNull();
    expect(help.join('\n')).toContain('Usage: tollgate sandbox');
  });
});
