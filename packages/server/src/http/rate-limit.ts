/**
 * Fixed-window rate limits: `hit(key, limit, windowSeconds)` counts one event
 * and says whether it is within the budget and, when not, how long until the
 * window ends (for `Retry-After`).
 *
 * With a Redis URL the counters live in Redis, so every server process shares
 * one budget: one Lua script increments the counter and sets its expiry
 * atomically (INCR + PEXPIRE on the first hit), and returns the count with the
 * time left. Without Redis the counters live in this process (one instance, or
 * a per-instance budget). If Redis cannot be reached the limiter fails open —
 * a rate limit must not take checkout down — and logs it.
 */
import { Redis } from 'ioredis';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';

export interface RateDecision {
  allowed: boolean;
  /** Events counted in the current window, this one included. */
  count: number;
  limit: number;
  /** Seconds until the window resets (at least 1). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly backend: 'redis' | 'memory';
  hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/** In-process counters; windows start at the first hit of a key and follow the injected clock. */
export function memoryRateLimiter(clock: Clock): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = 0;
  return {
    backend: 'memory',
    async hit(key, limit, windowSeconds) {
      const now = clock.now().getTime();
      if (now - lastSweep > 60_000 || windows.size > 100_000) {
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
        lastSweep = now;
      }
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowSeconds * 1000 };
        windows.set(key, w);
      }
      w.count++;
      return { allowed: w.count <= limit, count: w.count, limit, retryAfterSeconds: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
    },
    async close() {
      windows.clear();
    },
  };
}

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** Counters shared by every process through Redis (keys are `<prefix><key>`). */
export function redisRateLimiter(options: { url: string; prefix: string; logger: Logger }): RateLimiter {
  const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 1_000, enableAutoPipelining: true });
  let lastError = 0;
  redis.on('error', (err: Error) => {
    // ioredis reconnects by itself; say so once a minute rather than on every attempt.
    const now = Date.now();
    if (now - lastError > 60_000) options.logger.warn({ error: err.message }, 'rate limiter: Redis unavailable; limits are not enforced until it is back');
    lastError = now;
  });
  redis.defineCommand('tollgateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  return {
    backend: 'redis',
    async hit(key, limit, windowSeconds) {
      try {
        const [count, ttl] = (await (redis as unknown as { tollgateHit(key: string, ms: number): Promise<[number, number]> }).tollgateHit(
          `${options.prefix}${key}`,
          windowSeconds * 1000,
        )) as [number, number];
        return { allowed: count <= limit, count, limit, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
      } catch (err) {
        options.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'rate limiter: Redis call failed; allowing the request');
        return { allowed: true, count: 0, limit, retryAfterSeconds: 1 };
      }
    },
    async close() {
      if (redis.status === 'wait' || redis.status === 'end') {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createRateLimiter(options: { redisUrl?: string; prefix: string; clock: Clock; logger: Logger }): RateLimiter {
  return options.redisUrl ? redisRateLimiter({ url: options.redisUrl, prefix: options.prefix, logger: options.logger }) : memoryRateLimiter(options.clock);
}
