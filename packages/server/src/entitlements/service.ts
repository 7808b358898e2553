/**
 * Entitlements: materialized per customer and mode, recomputed inside the
 * transaction of every change that affects them (a subscription change from
 * the webhook projection, a checkout, a grant, a product's features), and by
 * a sweeper when a time limit passes. `check` is the hot path: it answers from
 * an in-process cache invalidated across processes, and fails closed.
 *
 * Access ends exactly at `valid_until` (the check compares it with the clock).
 * A value that rests on a source ending sooner (a bigger limit from a grant
 * that expires) is recomputed by the sweeper within a minute of that time.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withSystem, withTenant } from '../db/scope.ts';
import { notifyChange, type ChangeFeed } from '../db/notify.ts';
import type { DomainEvents } from '../events/bus.ts';

import type { Mode } from '../http/context.ts';
import { registerRecurring, type JobRunner } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import { tenantRepository } from '../tenants/repository.ts';
import type { CustomerService } from '../customers/service.ts';
import { EntitlementCache, type CachedCustomer } from './cache.ts';
import { DEFAULT_GRACE_DAYS } from '../settings/service.ts';
import { computeEntitlements } from './engine.ts';
import { entitlementErrors } from './errors.ts';
import { entitlementRepository, type EntitlementRow } from './repository.ts';

const TOPIC = 'entitlements';
export const SWEEP_QUEUE = 'entitlements.sweep';
const SWEEP_EVERY_MS = 60_000;

export interface CheckResult {
  allowed: boolean;
  value: number | null;
  source: 'subscription' | 'grant' | null;
  valid_until: string | null;
}

const DENIED: CheckResult = Object.freeze({ allowed: false, value: null, source: null, valid_until: null });

function same(a: EntitlementRow[], b: EntitlementRow[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return (
      x.feature_key === y.feature_key &&
      x.feature_type === y.feature_type &&
      (x.value === null ? null : Number(x.value)) === (y.value === null ? null : Number(y.value)) &&
      x.source === y.source &&
      (x.valid_until?.getTime() ?? null) === (y.valid_until?.getTime() ?? null) &&
      (x.recompute_at?.getTime() ?? null) === (y.recompute_at?.getTime() ?? null)
    );
  });
}

/** The API shape of a row (recompute_at is internal). */
export function entitlementView(r: EntitlementRow) {
  return { feature: r.feature_key, type: r.feature_type, value: r.value === null ? null : Number(r.value), source: r.source, valid_until: r.valid_until?.toISOString() ?? null };
}

export interface EntitlementServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: DomainEvents;
  jobs: JobRunner;
  customers: CustomerService;
  changes?: ChangeFeed;
  cacheTtlMs?: number;
}

export function createEntitlementService(deps: EntitlementServiceDeps) {
  const { db, clock, logger, events, customers } = deps;
  const cache = new EntitlementCache(deps.cacheTtlMs ?? 30_000, 100_000);
  deps.changes?.on(TOPIC, (key) => cache.invalidate(key));

  async function graceMs(tx: Queryable, tenantId: string): Promise<number> {
    const tenant = await tenantRepository.findById(tx, tenantId);
    const days = Number(tenant?.settings?.grace_days ?? DEFAULT_GRACE_DAYS);
    return (Number.isFinite(days) && days >= 0 ? days : DEFAULT_GRACE_DAYS) * 24 * 3600 * 1000;
  }

  /** Recomputes one customer's entitlements in the caller's transaction; true when they changed. */
  async function recompute(tx: Queryable, tenantId: string, mode: Mode, customerId: string): Promise<boolean> {
    const customer = await customers.findById(tx, tenantId, customerId);
    if (!customer || customer.mode !== mode) return false;
    const now = clock.now();
    const subscriptions = await entitlementRepository.subscriptionFacts(tx, tenantId, mode, { id: customer.id, stripeCustomerId: customer.stripe_customer_id });
    const grants = await entitlementRepository.grantFacts(tx, tenantId, mode, customer.id);
    const grace = await graceMs(tx, tenantId);
    const computed = computeEntitlements({
      now,
      graceMs: grace,
      subscriptions: subscriptions.map((s) => ({
        status: s.status,
        currentPeriodEnd: s.current_period_end,
        cancelAtPeriodEnd: s.cancel_at_period_end,
        trialEnd: s.trial_end,
        pastDueSince: s.past_due_since,
        endedAt: s.ended_at,
        features: s.features,
      })),
      grants: grants.map((g) => ({ expiresAt: g.expires_at, features: g.features })),
    });
    const rows: EntitlementRow[] = computed.map((e) => ({
      feature_key: e.feature,
      feature_type: e.type,
      value: e.value,
      source: e.source,
      valid_until: e.validUntil,
      recompute_at: e.changesAt,
    }));
    const existing = await entitlementRepository.current(tx, tenantId, mode, customer.id);
    if (same(existing, rows)) return false;
    await entitlementRepository.replace(tx, tenantId, mode, customer.id, rows, now);
    const key = EntitlementCache.key(tenantId, mode, customer.external_id);
    await notifyChange(tx, TOPIC, key);
    cache.invalidate(key);
    await events.emit(
      tx,
      'entitlements.changed',
      { tenantId, mode, customerId: customer.id, externalId: customer.external_id, entitlements: rows.map(entitlementView).map(({ type: _t, ...e }) => e) },
      customer.id,
    );
    return true;
  }

  async function recomputeMany(tx: Queryable, tenantId: string, mode: Mode, ids: Iterable<string>): Promise<void> {
    for (const id of new Set(ids)) await recompute(tx, tenantId, mode, id);
  }

  function answer(entry: CachedCustomer, feature: string, now: number): CheckResult {
    const row = entry.features.get(feature);
    if (!row || (row.valid_until && row.valid_until.getTime() <= now)) return DENIED;
    return { allowed: true, value: row.value === null ? null : Number(row.value), source: row.source, valid_until: row.valid_until?.toISOString() ?? null };
  }

  // Concurrent misses for the same customer share one query (no thundering herd).
  const inflight = new Map<string, Promise<CachedCustomer>>();

  function load(tenantId: string, mode: Mode, externalId: string, key: string, now: number): Promise<CachedCustomer> {
    let pending = inflight.get(key);
    if (!pending) {
      const generation = cache.mark();
      pending = withTenant(db, tenantId, (tx) => entitlementRepository.forCheck(tx, tenantId, mode, externalId))
        .then((found) => {
          const entry = { customerId: found.customerId, features: new Map(found.rows.map((r) => [r.feature_key, r])), expires: 0 };
          cache.set(key, entry, now, generation);
          return entry;
        })
        .catch((err: unknown) => {
          logger.error({ err, tenantId, mode }, 'entitlement check could not read the database; failing closed');
          throw entitlementErrors.entitlements_unavailable();
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  }

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  events.on('subscription.changed', async (tx, e) => {
    await recomputeMany(tx, e.tenantId, e.mode, await entitlementRepository.customersForStripe(tx, e.tenantId, e.mode, e.customer));
  });
  events.on('customer.changed', async (tx, e) => {
    await recomputeMany(tx, e.tenantId, e.mode, await entitlementRepository.customersForStripe(tx, e.tenantId, e.mode, e.customer));
  });
  events.on('checkout.completed', async (tx, e) => {
    const ids: string[] = [];
    for (const ref of [e.clientReferenceId, e.metadata.tollgate_customer_id]) if (ref && UUID.test(ref)) ids.push(ref);
    if (e.customer) ids.push(...(await entitlementRepository.customersForStripe(tx, e.tenantId, e.mode, e.customer)));
    await recomputeMany(tx, e.tenantId, e.mode, ids);
  });
  events.on('product.features_changed', async (tx, e) => {
    await recomputeMany(tx, e.tenantId, e.mode, await entitlementRepository.customersForProduct(tx, e.tenantId, e.mode, e.productId));
  });

  const service = {
    recompute,

    /** Recomputes every customer whose access rests on a grace period (the tenant changed it). */
    async recomputePastDue(tx: Queryable, tenantId: string): Promise<void> {
      for (const mode of ['test', 'live'] as const) await recomputeMany(tx, tenantId, mode, await entitlementRepository.customersPastDue(tx, tenantId, mode));
    },

    /** Recomputes every holder of a product in every mode (catalog changes call this through product.features_changed). */
    async recomputeForProduct(tx: Queryable, tenantId: string, productId: string): Promise<void> {
      for (const mode of ['test', 'live'] as const) await recomputeMany(tx, tenantId, mode, await entitlementRepository.customersForProduct(tx, tenantId, mode, productId));
    },

    /** May this customer use this feature now? Never `allowed: true` without an entitlement; 503 when unsure. */
    async check(tenantId: string, mode: Mode, externalId: string, feature: string): Promise<CheckResult> {
      const key = EntitlementCache.key(tenantId, mode, externalId);
      const now = clock.now().getTime();
      const entry = cache.get(key, now) ?? (await load(tenantId, mode, externalId, key, now));
      return answer(entry, feature, now);
    },

    /** The answer if this customer is cached, else undefined (no database): for the hot-path fast lane. */
    peek(tenantId: string, mode: Mode, externalId: string, feature: string): CheckResult | undefined {
      const now = clock.now().getTime();
      const entry = cache.get(EntitlementCache.key(tenantId, mode, externalId), now);
      return entry && answer(entry, feature, now);
    },

    /** The whole current set (rows whose time ran out are left out even before the sweeper runs). */
    async list(tx: Queryable, tenantId: string, mode: Mode, externalId: string) {
      const customer = await customers.get(tx, tenantId, mode, externalId);
      const now = clock.now().getTime();
      const rows = await entitlementRepository.current(tx, tenantId, mode, customer.id);
      return {
        customer: customer.external_id,
        mode,
        entitlements: rows.filter((r) => !r.valid_until || r.valid_until.getTime() > now).map(entitlementView),
      };
    },

    /** Recomputes customers whose entitlements ran out (grace over, grant expired, period ended). */
    async sweep(limit = 500): Promise<number> {
      const due = await withSystem(db, (tx) => entitlementRepository.expired(tx, clock.now(), limit));
      for (const d of due) await withTenant(db, d.tenant_id, (tx) => recompute(tx, d.tenant_id, d.mode, d.customer_id));
      return due.length;
    },

    /** Queues the recurring sweep (once per deployment, thanks to the dedupe key). */
    scheduleSweep: (delayMs?: number) => scheduleSweep(delayMs),

    cacheSize: () => cache.size,
  };

  const scheduleSweep = registerRecurring(deps.jobs, { db, clock }, { queue: SWEEP_QUEUE, dedupeKey: 'sweep', everyMs: SWEEP_EVERY_MS, run: () => service.sweep() });

  return service;
}

export type EntitlementService = ReturnType<typeof createEntitlementService>;

