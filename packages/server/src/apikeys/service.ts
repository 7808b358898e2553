/**
 * API keys: created per tenant and mode, shown once, stored as a SHA-256 hash
 * (they are 190-bit random tokens, so a fast hash is the right tool), revocable,
 * with a last-used time. `authenticate` is on every API request, so resolved
 * keys are cached in memory and dropped on revocation in every process.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withSystem, withTenant } from '../db/scope.ts';
import { notifyChange, type ChangeFeed } from '../db/notify.ts';
import type { ApiKeyIdentity, ApiKeyKind, Mode, TenantScope } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { apiKeyErrors } from './errors.ts';
import { hashApiKey, newApiKey, parseApiKey } from './format.ts';
import { apiKeyRepository, type ApiKeyRow } from './repository.ts';

export interface ApiKeyView {
  id: string;
  mode: Mode;
  kind: ApiKeyKind;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    mode: row.mode,
    kind: row.kind,
    name: row.name,
    prefix: row.token_prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;
const TOUCH_EVERY_MS = 60_000;
const TOPIC = 'api_key';

export interface ApiKeyServiceDeps {
  db: Db;
  clock: Clock;
  changes?: ChangeFeed;
}

export function createApiKeyService({ db, clock, changes }: ApiKeyServiceDeps) {
  const cache = new Map<string, { identity: ApiKeyIdentity; expires: number }>();
  const lastTouched = new Map<string, number>();

  // Bumped on every invalidation, so a lookup that raced a revocation is not cached.
  let generation = 0;

  function invalidate(id: string): void {
    generation++;
    if (id === '*') return cache.clear();
    for (const [token, entry] of cache) if (entry.identity.keyId === id) cache.delete(token);
  }
  changes?.on(TOPIC, invalidate);

  function touch(identity: ApiKeyIdentity, now: number): void {
    const last = lastTouched.get(identity.keyId) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    lastTouched.set(identity.keyId, now);
    withTenant(db, identity.tenantId, (tx) => apiKeyRepository.touchLastUsed(tx, identity.tenantId, identity.keyId, new Date(now))).catch(
      () => lastTouched.delete(identity.keyId),
    );
  }

  return {
    /** Issues a key; the token is returned here and never again. */
    async create(
      tx: Queryable,
      tenantId: string,
      input: { mode: Mode; kind: ApiKeyKind; name?: string; createdBy?: string | null },
    ): Promise<{ key: ApiKeyView; token: string }> {
      const fresh = newApiKey(input.kind, input.mode);
      const row = await apiKeyRepository.insert(tx, tenantId, {
        mode: input.mode,
        kind: input.kind,
        name: input.name ?? '',
        prefix: fresh.prefix,
        hash: fresh.hash,
        createdBy: input.createdBy ?? null,
        at: clock.now(),
      });
      return { key: apiKeyView(row), token: fresh.token };
    },

    /** Creation through the API: a key-authenticated caller may only mint keys of its own mode. */
    async createForScope(tx: Queryable, scope: TenantScope, input: { mode?: Mode; kind: ApiKeyKind; name?: string }) {
      const mode = input.mode ?? scope.mode;
      if (scope.actor.type === 'api_key' && mode !== scope.mode) throw apiKeyErrors.api_key_mode_mismatch();
      return this.create(tx, scope.tenantId, {
        mode,
        kind: input.kind,
        name: input.name,
        createdBy: scope.actor.type === 'user' ? scope.actor.userId : null,
      });
    },

    async list(tx: Queryable, tenantId: string, filter: { mode?: Mode; includeRevoked?: boolean }): Promise<ApiKeyView[]> {
      return (await apiKeyRepository.list(tx, tenantId, filter)).map(apiKeyView);
    },

    async revoke(tx: Queryable, tenantId: string, id: string): Promise<ApiKeyView> {
      const row = await apiKeyRepository.revoke(tx, tenantId, id, clock.now());
      if (!row) throw apiKeyErrors.api_key_not_found();
      await notifyChange(tx, TOPIC, row.id);
      invalidate(row.id);
      return apiKeyView(row);
    },

    /** Resolves a presented token to its tenant, mode and kind, or null. */
    /** The identity of a token only if it is already cached (no database): for the hot-path fast lane. */
    peek(token: string): ApiKeyIdentity | undefined {
      const now = clock.now().getTime();
      const hit = cache.get(token);
      if (!hit || hit.expires <= now) return undefined;
      touch(hit.identity, now);
      return hit.identity;
    },

    async authenticate(token: string): Promise<ApiKeyIdentity | null> {
      if (!parseApiKey(token)) return null;
      // Cached by the token itself: no hashing on the hot path (the process already holds it in memory).
      const now = clock.now().getTime();
      const hit = cache.get(token);
      if (hit && hit.expires > now) {
        touch(hit.identity, now);
        return hit.identity;
      }
      const seen = generation;
      const row = await withSystem(db, (tx) => apiKeyRepository.findActiveByHash(tx, hashApiKey(token)));
      if (!row) {
        cache.delete(token);
        return null;
      }
      const identity: ApiKeyIdentity = { keyId: row.id, tenantId: row.tenant_id, mode: row.mode, kind: row.kind };
      if (seen === generation) {
        if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
        cache.set(token, { identity, expires: now + CACHE_TTL_MS });
      }
      touch(identity, now);
      return identity;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
