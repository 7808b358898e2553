/**
 * The app config: everything a client app needs to draw its paywall and
 * start checkout, for one tenant and mode: active products with their prices
 * (and Stripe price ids in that mode) and features, the feature list, the
 * payment providers, the paywall the tenant designed, and how long to cache it.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/types.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import { defineErrors } from '../http/errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { Catalog } from '../catalog/index.ts';
import { auditRepository, tenantRepository } from '../tenants/repository.ts';
import { paywall as paywallSchema, type Paywall } from './schemas.ts';

export const appConfigErrors = defineErrors({
  paywall_unknown_plan: [400, 'The paywall names a product that does not exist or is archived.'],
});

export function createAppConfigService(deps: { clock: Clock; catalog: Catalog; defaultTtlSeconds: number }) {
  const { clock, catalog } = deps;

  return {
    async build(tx: Queryable, tenantId: string, mode: Mode) {
      const tenant = await tenantRepository.findById(tx, tenantId);
      const settings = (tenant?.settings ?? {}) as Record<string, any>;
      const products = await catalog.listProducts(tx, tenantId);
      const prices = await catalog.listPrices(tx, tenantId);
      const features = await catalog.listFeatures(tx, tenantId);
      const mapping = await catalog.mapping(tx, tenantId, mode);
      const paywall = paywallSchema.parse(settings.paywall ?? {});
      const order = new Map(paywall.plan_order.map((key, i) => [key, i]));
      const sorted = [...products].sort((a, b) => (order.get(a.key) ?? 1e6) - (order.get(b.key) ?? 1e6) || a.key.localeCompare(b.key));
      const publishable = settings.stripe_publishable_keys?.[mode] as string | undefined;
      const ttl = Number(settings.config_cache_ttl_seconds ?? deps.defaultTtlSeconds);
      return {
        tenant_id: tenantId,
        mode,
        products: sorted.map((p) => ({
          key: p.key,
          name: p.name,
          description: p.description,
          features: p.features,
          prices: prices
            .filter((price) => price.product === p.key)
            .map((price) => ({
              key: price.key,
              currency: price.currency,
              unit_amount: price.unit_amount,
              interval: price.interval,
              interval_count: price.interval_count,
              trial_days: price.trial_days,
              stripe_price_id: mapping[price.key] ?? null,
            })),
        })),
        features: features.map((f) => ({ key: f.key, name: f.name, description: f.description, type: f.type })),
        providers: [{ type: 'stripe' as const, ...(publishable ? { publishable_key: publishable } : {}) }],
        paywall,
        cache_ttl_seconds: Number.isFinite(ttl) && ttl >= 0 ? ttl : deps.defaultTtlSeconds,
      };
    },

    /** A strong ETag of the config body. */
    etag(body: unknown): string {
      return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
    },

    async getPaywall(tx: Queryable, tenantId: string): Promise<Paywall> {
      const tenant = await tenantRepository.findById(tx, tenantId);
      return paywallSchema.parse((tenant?.settings as Record<string, unknown> | undefined)?.paywall ?? {});
    },

    async setPaywall(tx: Queryable, scope: TenantScope, input: Paywall): Promise<Paywall> {
      const active = new Set((await catalog.listProducts(tx, scope.tenantId)).map((p) => p.key));
      const named = [...input.plan_order, ...(input.highlighted_plan ? [input.highlighted_plan] : []), ...Object.keys(input.feature_bullets)];
      const unknown = named.filter((key) => !active.has(key));
      if (unknown.length) throw appConfigErrors.paywall_unknown_plan(`Unknown or archived product(s): ${[...new Set(unknown)].join(', ')}.`);
      await tenantRepository.updateSettings(tx, scope.tenantId, { paywall: input });
      await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action: 'paywall.updated', at: clock.now() });
      return input;
    },
  };
}

export type AppConfigService = ReturnType<typeof createAppConfigService>;
