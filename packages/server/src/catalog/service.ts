/**
 * The catalog: features, products (with the features they grant) and prices,
 * owned by Tollgate. Every write happens in the caller's transaction and, in
 * that same transaction, marks the object pending and queues its sync to each
 * connected mode (see sync.ts), so a change is never lost between Postgres and
 * Stripe. Products whose features change emit `product.features_changed` so
 * entitlements are recomputed atomically.
 */
import type { z } from 'zod';
import type { Queryable } from '../db/types.ts';
import type { DomainEvents } from '../events/bus.ts';
import { MODES, type TenantScope } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { auditRepository } from '../tenants/repository.ts';
import { describeActor } from '../http/context.ts';
import { catalogErrors } from './errors.ts';
import { featureRepository, priceRepository, productRepository, type ProductRow } from './repository.ts';
import type { createFeatureBody, createPriceBody, createProductBody, productFeatureInput, updateFeatureBody, updatePriceBody, updateProductBody } from './schemas.ts';
import type { CatalogSync } from './sync.ts';
import { featureView, priceView, productView } from './views.ts';

type FeatureInput = z.infer<typeof productFeatureInput>;

export function createCatalogService(deps: { clock: Clock; events: DomainEvents; sync: CatalogSync }) {
  const { clock, events, sync } = deps;

  async function audit(tx: Queryable, scope: TenantScope, action: string, target: string, details?: unknown) {
    await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action, target, details, at: clock.now() });
  }

  async function featuresChanged(tx: Queryable, tenantId: string, productIds: string[]) {
    for (const productId of productIds) for (const mode of MODES) await events.emit(tx, 'product.features_changed', { tenantId, mode, productId }, productId);
  }

  async function resolveFeatures(tx: Queryable, tenantId: string, input: FeatureInput[]) {
    const rows = await featureRepository.findByKeys(tx, tenantId, input.map((f) => f.feature));
    const byKey = new Map(rows.filter((r) => !r.archived_at).map((r) => [r.key, r]));
    return input.map((f) => {
      const feature = byKey.get(f.feature);
      if (!feature) throw catalogErrors.unknown_feature(`The product lists feature "${f.feature}", which does not exist (create it with POST /v1/features).`);
      if (feature.type === 'boolean' && f.value !== undefined && f.value !== null) {
        throw catalogErrors.feature_value_invalid(`"${f.feature}" is a boolean feature: leave out its value.`);
      }
      return { featureId: feature.id, value: feature.type === 'limit' ? (f.value ?? null) : null };
    });
  }

  async function loadProduct(tx: Queryable, tenantId: string, key: string): Promise<ProductRow> {
    const row = await productRepository.findByKey(tx, tenantId, key);
    if (!row) throw catalogErrors.product_not_found(`No product with key "${key}".`);
    return row;
  }

  async function showProduct(tx: Queryable, tenantId: string, row: ProductRow) {
    return productView(row, await productRepository.features(tx, tenantId, [row.id]));
  }

  return {
    // Features ---------------------------------------------------------------
    async createFeature(tx: Queryable, scope: TenantScope, input: z.infer<typeof createFeatureBody>) {
      const row = await featureRepository.insert(tx, scope.tenantId, { ...input, description: input.description ?? '', at: clock.now() });
      if (!row) throw catalogErrors.feature_key_taken(`A feature with key "${input.key}" already exists.`);
      await audit(tx, scope, 'feature.created', input.key);
      return featureView(row);
    },

    async listFeatures(tx: Queryable, tenantId: string, includeArchived = false) {
      return (await featureRepository.list(tx, tenantId, includeArchived)).map(featureView);
    },

    async getFeature(tx: Queryable, tenantId: string, key: string) {
      const row = await featureRepository.findByKey(tx, tenantId, key);
      if (!row) throw catalogErrors.feature_not_found(`No feature with key "${key}".`);
      return featureView(row);
    },

    async updateFeature(tx: Queryable, scope: TenantScope, key: string, patch: z.infer<typeof updateFeatureBody>) {
      const row = await featureRepository.findByKey(tx, scope.tenantId, key);
      if (!row) throw catalogErrors.feature_not_found(`No feature with key "${key}".`);
      const products = await featureRepository.productIds(tx, scope.tenantId, row.id);
      if (patch.type && patch.type !== row.type && products.length) {
        throw catalogErrors.feature_type_in_use(`"${key}" is granted by ${products.length} product(s): remove it from them before changing its type.`);
      }
      const updated = await featureRepository.update(tx, scope.tenantId, row.id, patch, clock.now());
      await audit(tx, scope, 'feature.updated', key, patch);
      return featureView(updated!);
    },

    async archiveFeature(tx: Queryable, scope: TenantScope, key: string) {
      const row = await featureRepository.findByKey(tx, scope.tenantId, key);
      if (!row) throw catalogErrors.feature_not_found(`No feature with key "${key}".`);
      const updated = await featureRepository.update(tx, scope.tenantId, row.id, { archivedAt: row.archived_at ?? clock.now() }, clock.now());
      await featuresChanged(tx, scope.tenantId, await featureRepository.productIds(tx, scope.tenantId, row.id));
      await audit(tx, scope, 'feature.archived', key);
      return featureView(updated!);
    },

    // Products ---------------------------------------------------------------
    async createProduct(tx: Queryable, scope: TenantScope, input: z.infer<typeof createProductBody>) {
      const features = await resolveFeatures(tx, scope.tenantId, input.features ?? []);
      const row = await productRepository.insert(tx, scope.tenantId, {
        key: input.key,
        name: input.name,
        description: input.description ?? '',
        active: input.active ?? true,
        metadata: input.metadata ?? {},
        at: clock.now(),
      });
      if (!row) throw catalogErrors.product_key_taken(`A product with key "${input.key}" already exists.`);
      await productRepository.replaceFeatures(tx, scope.tenantId, row.id, features);
      await sync.enqueue(tx, scope.tenantId, 'product', row.id);
      await audit(tx, scope, 'product.created', input.key);
      return showProduct(tx, scope.tenantId, row);
    },

    async listProducts(tx: Queryable, tenantId: string, includeArchived = false) {
      const rows = await productRepository.list(tx, tenantId, includeArchived);
      const features = await productRepository.features(tx, tenantId, rows.map((r) => r.id));
      return rows.map((r) => productView(r, features));
    },

    async getProduct(tx: Queryable, tenantId: string, key: string) {
      return showProduct(tx, tenantId, await loadProduct(tx, tenantId, key));
    },

    async updateProduct(tx: Queryable, scope: TenantScope, key: string, patch: z.infer<typeof updateProductBody>) {
      const row = await loadProduct(tx, scope.tenantId, key);
      const features = patch.features ? await resolveFeatures(tx, scope.tenantId, patch.features) : undefined;
      const updated = await productRepository.update(tx, scope.tenantId, row.id, patch, clock.now());
      if (features) {
        await productRepository.replaceFeatures(tx, scope.tenantId, row.id, features);
        await featuresChanged(tx, scope.tenantId, [row.id]);
      }
      await sync.enqueue(tx, scope.tenantId, 'product', row.id);
      await audit(tx, scope, 'product.updated', key, patch);
      return showProduct(tx, scope.tenantId, updated);
    },

    /** Archives the product (inactive in Stripe too); existing subscribers keep their entitlements. */
    async archiveProduct(tx: Queryable, scope: TenantScope, key: string) {
      return this.updateProduct(tx, scope, key, { active: false });
    },

    // Prices -----------------------------------------------------------------
    async createPrice(tx: Queryable, scope: TenantScope, input: z.infer<typeof createPriceBody>) {
      const interval = input.interval ?? null;
      if (!interval && input.interval_count !== undefined) throw catalogErrors.price_interval_count_without_interval();
      if (!interval && input.trial_days) throw catalogErrors.price_trial_without_interval();
      const product = await loadProduct(tx, scope.tenantId, input.product);
      if (!product.active) throw catalogErrors.product_archived(`Product "${product.key}" is archived: reactivate it before adding prices.`);
      const id = await priceRepository.insert(tx, scope.tenantId, {
        key: input.key,
        productId: product.id,
        currency: input.currency,
        unitAmount: input.unit_amount,
        interval,
        intervalCount: interval ? (input.interval_count ?? 1) : 1,
        trialDays: input.trial_days ?? null,
        nickname: input.nickname ?? '',
        active: input.active ?? true,
        at: clock.now(),
      });
      if (!id) throw catalogErrors.price_key_taken(`A price with key "${input.key}" already exists.`);
      await sync.enqueue(tx, scope.tenantId, 'price', id);
      await audit(tx, scope, 'price.created', input.key);
      return priceView((await priceRepository.findById(tx, scope.tenantId, id))!);
    },

    async listPrices(tx: Queryable, tenantId: string, filter: { includeArchived?: boolean; product?: string } = {}) {
      const productId = filter.product ? (await loadProduct(tx, tenantId, filter.product)).id : undefined;
      return (await priceRepository.list(tx, tenantId, { includeArchived: filter.includeArchived ?? false, productId })).map(priceView);
    },

    async getPrice(tx: Queryable, tenantId: string, key: string) {
      const row = await priceRepository.findByKey(tx, tenantId, key);
      if (!row) throw catalogErrors.price_not_found(`No price with key "${key}".`);
      return priceView(row);
    },

    /** Changes a price. A new amount, currency or interval makes a new Stripe price at sync time. */
    async updatePrice(tx: Queryable, scope: TenantScope, key: string, patch: z.infer<typeof updatePriceBody>) {
      const row = await priceRepository.findByKey(tx, scope.tenantId, key);
      if (!row) throw catalogErrors.price_not_found(`No price with key "${key}".`);
      const interval = patch.interval !== undefined ? patch.interval : row.interval;
      if (!interval && patch.interval_count !== undefined) throw catalogErrors.price_interval_count_without_interval();
      if (!interval && (patch.trial_days ?? (patch.interval === null ? null : row.trial_days))) throw catalogErrors.price_trial_without_interval();
      await priceRepository.update(
        tx,
        scope.tenantId,
        row.id,
        {
          currency: patch.currency,
          unitAmount: patch.unit_amount,
          ...(patch.interval !== undefined ? { interval: patch.interval, ...(patch.interval === null ? { intervalCount: 1, trialDays: null } : {}) } : {}),
          ...(patch.interval_count !== undefined ? { intervalCount: patch.interval_count } : {}),
          ...(patch.trial_days !== undefined ? { trialDays: patch.trial_days } : {}),
          nickname: patch.nickname,
          active: patch.active,
        },
        clock.now(),
      );
      await sync.enqueue(tx, scope.tenantId, 'price', row.id);
      await audit(tx, scope, 'price.updated', key, patch);
      return priceView((await priceRepository.findById(tx, scope.tenantId, row.id))!);
    },

    async archivePrice(tx: Queryable, scope: TenantScope, key: string) {
      return this.updatePrice(tx, scope, key, { active: false });
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
