/**
 * The rate limiter: in-process windows that follow the injected clock, Redis
 * windows shared by every limiter (and so every server instance) using the
 * same Redis, atomic under concurrency, and failing open when Redis is gone.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeTestEnv, type StripeTestEnv } from '../../test/stripe.ts';
import { buildApp, type BuiltApp } from '../app/app.ts';
import { ManualClock } from '../lib/clock.ts';
import { createLogger } from '../log/logger.ts';
import { createMetrics } from './metrics.ts';
import { memoryRateLimiter, redisRateLimiter } from './rate-limit.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = createLogger({ level: 'silent' });
const prefix = () => `tollgate-test:${randomBytes(6).toString('hex')}:`;

describe('the in-process rate limiter', () => {
  it('allows the limit per window, then says how long to wait; the window passes with the clock', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const limiter = memoryRateLimiter(clock);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.hit('k', 3, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]).toMatchObject({ count: 4, limit: 3, retryAfterSeconds: 60 });
    expect((await limiter.hit('other', 3, 60)).allowed).toBe(true);
    clock.advance(45_000);
    expect((await limiter.hit('k', 3, 60)).retryAfterSeconds).toBe(15);
    clock.advance(15_000);
    expect(await limiter.hit('k', 3, 60)).toMatchObject({ allowed: true, count: 1 });
  });
});

describe('the Redis rate limiter', () => {
  it('two limiters on the same Redis share one budget, exactly, even under concurrent hits', async () => {
    const p = prefix();
    const a = redisRateLimiter({ url: REDIS_URL, prefix: p, logger: silent });
    const b = redisRateLimiter({ url: REDIS_URL, prefix: p, logger: silent });
    try {
      const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('shared', 25, 60)));
      expect(hits.filter((h) => h.allowed)).toHaveLength(25);
      const late = await a.hit('shared', 25, 60);
      expect(late.allowed).toBe(false);
      expect(late.retryAfterSeconds).toBeGreaterThan(55);
      expect(late.retryAfterSeconds).toBeLessThanOrEqual(60);
      // Another prefix is another deployment: its own budget.
      const c = redisRateLimiter({ url: REDIS_URL, prefix: prefix(), logger: silent });
      expect((await c.hit('shared', 25, 60)).allowed).toBe(true);
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fails open (and says so) when Redis cannot be reached', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const limiter = redisRateLimiter({ url: 'redis://127.0.0.1:1', prefix: prefix(), logger });
    try {
      expect((await limiter.hit('k', 1, 60)).allowed).toBe(true);
      expect((await limiter.hit('k', 1, 60)).allowed).toBe(true);
      expect(lines.join('\n')).toContain('rate limiter: Redis');
    } finally {
      await limiter.close();
    }
  });
});

describe('checkout limits across two server instances sharing Redis', () => {
  let env: StripeTestEnv;
  let instances: BuiltApp[];

  beforeAll(async () => {
    env = await createStripeTestEnv();
    await env.connect();
    await env.api('PATCH', '/v1/settings', { allowed_origins: [env.url] });
    await env.api('POST', '/v1/products', { key: 'pro', name: 'Pro' });
    await env.api('POST', '/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 1500, interval: 'month' });
    await env.t.services.jobs.drain();
    // Two more instances over the same database and secrets, each with its own limiter, sharing one Redis.
    const { config, db, clock, logger, secrets, changes, migrations, version } = env.t.services;
    const shared = { ...config, redisUrl: REDIS_URL, redisKeyPrefix: prefix(), checkoutRateLimitPerCustomer: 3 };
    instances = [0, 1].map(() => buildApp({ config: shared, db, clock, logger, secrets, changes, migrations, version, metrics: createMetrics() }));
    await Promise.all(instances.map((i) => i.app.ready()));
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.app.close()));
    await env.close();
  });

  it('a customer gets the budget once across both instances, not once per instance', async () => {
    const start = (n: number) =>
      instances[n % 2]!.app.inject({
        method: 'POST',
        url: '/v1/checkout/sessions',
        headers: { authorization: `Bearer ${env.secretKey}` },
        payload: { price: 'pro.monthly', customer: 'shared-buyer', success_url: `${env.url}/ok`, cancel_url: `${env.url}/back` },
      });
    const codes = [];
    for (let n = 0; n < 4; n++) codes.push((await start(n)).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    const refused = await start(4);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(590);
    expect(instances.map((i) => i.services.checkout.limiter.backend)).toEqual(['redis', 'redis']);
  });
});
