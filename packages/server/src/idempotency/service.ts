/**
 * The Idempotency-Key header on API writes, as Stripe has it: the first
 * successful answer to a key is kept for 24 hours and replayed (with
 * `Idempotent-Replayed: true`) to every copy of that request, so a client
 * retrying after a timeout, or a double submit, changes nothing twice. The
 * same key with another method, path or body is refused; a copy arriving
 * while the first still runs gets a 409 to retry. Failed requests keep
 * nothing: fix the request and send it again with the same key.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/types.ts';
import { withSystem, withTenant } from '../db/scope.ts';
import { registerRecurring, type JobRunner } from '../jobs/queue.ts';
import type { TenantScope } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { idempotencyErrors } from './errors.ts';
import { idempotencyRepository } from './repository.ts';

const KEEP_MS = 24 * 3600 * 1000;
/** A first request that has not finished after this long is taken to have died. */
const RUNNING_MS = 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;
export const PURGE_QUEUE = 'idempotency.purge';
const PURGE_EVERY_MS = 3600 * 1000;

export type Claim = { replay: { statusCode: number; body: unknown } } | { held: { complete(statusCode: number, body: unknown): Promise<void>; release(): Promise<void> } };

export function createIdempotency(deps: { db: Db; clock: Clock; jobs: JobRunner }) {
  const { db, clock } = deps;
  return {
    /** Queues the hourly purge of expired keys (one pending purge per deployment). */
    schedulePurge: registerRecurring(deps.jobs, { db, clock }, {
      queue: PURGE_QUEUE,
      dedupeKey: 'purge',
      everyMs: PURGE_EVERY_MS,
      run: () => withSystem(db, (tx) => idempotencyRepository.purge(tx, new Date(clock.now().getTime() - KEEP_MS))),
    }),

    /** Claims `key` for this request, or gives the stored answer to replay. */
    async claim(scope: TenantScope, key: string, request: { method: string; url: string; body: unknown }): Promise<Claim> {
      if (!KEY.test(key)) throw idempotencyErrors.idempotency_key_invalid();
      const { tenantId, mode } = scope;
      const fingerprint = createHash('sha256').update(JSON.stringify([request.method, request.url, request.body ?? null])).digest('hex');
      const now = clock.now();
      const stale = { done: new Date(now.getTime() - KEEP_MS), running: new Date(now.getTime() - RUNNING_MS) };
      const outcome = await withTenant(db, tenantId, async (tx) => {
        if (await idempotencyRepository.claim(tx, tenantId, mode, key, fingerprint, now, stale)) return 'held' as const;
        return idempotencyRepository.find(tx, tenantId, mode, key);
      });
      if (outcome === 'held') {
        return {
          held: {
            complete: (statusCode, body) => withTenant(db, tenantId, (tx) => idempotencyRepository.complete(tx, tenantId, mode, key, statusCode, body)),
            release: () => withTenant(db, tenantId, (tx) => idempotencyRepository.release(tx, tenantId, mode, key)),
          },
        };
      }
      if (!outcome || outcome.fingerprint !== fingerprint) throw idempotencyErrors.idempotency_key_reused();
      if (outcome.status_code === null) throw idempotencyErrors.idempotency_key_in_progress();
      return { replay: { statusCode: outcome.status_code, body: outcome.response } };
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
