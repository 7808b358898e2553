/** Every SQL statement of the catalog: features, products, prices, and their Stripe sync state. */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface FeatureRow {
  tenant_id: string;
  id: string;
  key: string;
  name: string;
  description: string;
  type: 'boolean' | 'limit';
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ProductRow {
  tenant_id: string;
  id: string;
  key: string;
  name: string;
  description: string;
  active: boolean;
  metadata: Record<string, string>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface ProductFeatureRow {
  product_id: string;
  feature_id: string;
  feature_key: string;
  feature_type: 'boolean' | 'limit';
  value: number | null;
}

export interface PriceRow {
  tenant_id: string;
  id: string;
  key: string;
  product_id: string;
  product_key: string;
  currency: string;
  unit_amount: number;
  interval: 'day' | 'week' | 'month' | 'year' | null;
  interval_count: number;
  trial_days: number | null;
  active: boolean;
  nickname: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type CatalogObjectType = 'product' | 'price';

export interface SyncRow {
  tenant_id: string;
  mode: Mode;
  object_type: CatalogObjectType;
  object_id: string;
  stripe_id: string | null;
  status: 'pending' | 'synced' | 'error' | 'drifted';
  synced_version: number | null;
  attempts: number;
  last_error: string | null;
  next_retry_at: Date | null;
  drift: unknown;
  synced_at: Date | null;
  updated_at: Date;
}

export interface UnmanagedRow {
  tenant_id: string;
  mode: Mode;
  stripe_id: string;
  object_type: CatalogObjectType;
  status: 'unmanaged' | 'ignored' | 'adopted';
  data: Record<string, unknown>;
  first_seen_at: Date;
  updated_at: Date;
}

const PRICE_SELECT = `select p.*, pr.key as product_key from prices p join products pr on pr.tenant_id = p.tenant_id and pr.id = p.product_id`;

export const featureRepository = {
  async insert(tx: Queryable, tenantId: string, f: { key: string; name: string; description: string; type: string; at: Date }): Promise<FeatureRow | undefined> {
    const { rows } = await tx.query<FeatureRow>(
      `insert into features (tenant_id, key, name, description, type, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)
       on conflict (tenant_id, key) do nothing returning *`,
      [tenantId, f.key, f.name, f.description, f.type, f.at],
    );
    return rows[0];
  },
  async findByKey(tx: Queryable, tenantId: string, key: string): Promise<FeatureRow | undefined> {
    const { rows } = await tx.query<FeatureRow>('select * from features where tenant_id = $1 and key = $2', [tenantId, key]);
    return rows[0];
  },
  async findByKeys(tx: Queryable, tenantId: string, keys: string[]): Promise<FeatureRow[]> {
    const { rows } = await tx.query<FeatureRow>('select * from features where tenant_id = $1 and key = any($2::text[])', [tenantId, keys]);
    return rows;
  },
  async list(tx: Queryable, tenantId: string, includeArchived: boolean): Promise<FeatureRow[]> {
    const { rows } = await tx.query<FeatureRow>('select * from features where tenant_id = $1 and ($2 or archived_at is null) order by key', [
      tenantId,
      includeArchived,
    ]);
    return rows;
  },
  async update(tx: Queryable, tenantId: string, id: string, patch: { name?: string; description?: string; type?: string; archivedAt?: Date | null }, at: Date) {
    const { rows } = await tx.query<FeatureRow>(
      `update features set name = coalesce($3, name), description = coalesce($4, description), type = coalesce($5, type),
              archived_at = case when $6::boolean then $7::timestamptz else archived_at end, updated_at = $8
        where tenant_id = $1 and id = $2 returning *`,
      [tenantId, id, patch.name ?? null, patch.description ?? null, patch.type ?? null, patch.archivedAt !== undefined, patch.archivedAt ?? null, at],
    );
    return rows[0];
  },
  /** Products that grant this feature. */
  async productIds(tx: Queryable, tenantId: string, featureId: string): Promise<string[]> {
    const { rows } = await tx.query<{ product_id: string }>('select product_id from product_features where tenant_id = $1 and feature_id = $2', [
      tenantId,
      featureId,
    ]);
    return rows.map((r) => r.product_id);
  },
};

export const productRepository = {
  async insert(
    tx: Queryable,
    tenantId: string,
    p: { key: string; name: string; description: string; active: boolean; metadata: Record<string, string>; at: Date },
  ): Promise<ProductRow | undefined> {
    const { rows } = await tx.query<ProductRow>(
      `insert into products (tenant_id, key, name, description, active, metadata, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)
       on conflict (tenant_id, key) do nothing returning *`,
      [tenantId, p.key, p.name, p.description, p.active, JSON.stringify(p.metadata), p.at],
    );
    return rows[0];
  },
  async findByKey(tx: Queryable, tenantId: string, key: string): Promise<ProductRow | undefined> {
    const { rows } = await tx.query<ProductRow>('select * from products where tenant_id = $1 and key = $2', [tenantId, key]);
    return rows[0];
  },
  async findById(tx: Queryable, tenantId: string, id: string): Promise<ProductRow | undefined> {
    const { rows } = await tx.query<ProductRow>('select * from products where tenant_id = $1 and id = $2', [tenantId, id]);
    return rows[0];
  },
  async list(tx: Queryable, tenantId: string, includeArchived: boolean): Promise<ProductRow[]> {
    const { rows } = await tx.query<ProductRow>('select * from products where tenant_id = $1 and ($2 or active) order by key', [tenantId, includeArchived]);
    return rows;
  },
  /** Applies a patch and bumps the version (so every mode re-syncs it). */
  async update(
    tx: Queryable,
    tenantId: string,
    id: string,
    patch: { name?: string; description?: string; active?: boolean; metadata?: Record<string, string> },
    at: Date,
  ): Promise<ProductRow> {
    const { rows } = await tx.query<ProductRow>(
      `update products set name = coalesce($3, name), description = coalesce($4, description), active = coalesce($5, active),
              metadata = coalesce($6::jsonb, metadata), version = version + 1, updated_at = $7
        where tenant_id = $1 and id = $2 returning *`,
      [tenantId, id, patch.name ?? null, patch.description ?? null, patch.active ?? null, patch.metadata ? JSON.stringify(patch.metadata) : null, at],
    );
    return rows[0]!;
  },
  async features(tx: Queryable, tenantId: string, productIds: string[]): Promise<ProductFeatureRow[]> {
    const { rows } = await tx.query<ProductFeatureRow>(
      `select pf.product_id, pf.feature_id, f.key as feature_key, f.type as feature_type, pf.value
         from product_features pf join features f on f.tenant_id = pf.tenant_id and f.id = pf.feature_id
        where pf.tenant_id = $1 and pf.product_id = any($2::uuid[]) and f.archived_at is null
        order by f.key`,
      [tenantId, productIds],
    );
    return rows;
  },
  async replaceFeatures(tx: Queryable, tenantId: string, productId: string, features: Array<{ featureId: string; value: number | null }>): Promise<void> {
    await tx.query('delete from product_features where tenant_id = $1 and product_id = $2', [tenantId, productId]);
    if (!features.length) return;
    await tx.query(
      `insert into product_features (tenant_id, product_id, feature_id, value)
       select $1, $2, f.feature_id, f.value from unnest($3::uuid[], $4::bigint[]) as f(feature_id, value)`,
      [tenantId, productId, features.map((f) => f.featureId), features.map((f) => f.value)],
    );
  },
};

export const priceRepository = {
  async insert(
    tx: Queryable,
    tenantId: string,
    p: {
      key: string;
      productId: string;
      currency: string;
      unitAmount: number;
      interval: string | null;
      intervalCount: number;
      trialDays: number | null;
      nickname: string;
      active: boolean;
      at: Date;
    },
  ): Promise<string | undefined> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into prices (tenant_id, key, product_id, currency, unit_amount, interval, interval_count, trial_days, nickname, active, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
       on conflict (tenant_id, key) do nothing returning id`,
      [tenantId, p.key, p.productId, p.currency, p.unitAmount, p.interval, p.intervalCount, p.trialDays, p.nickname, p.active, p.at],
    );
    return rows[0]?.id;
  },
  async findByKey(tx: Queryable, tenantId: string, key: string): Promise<PriceRow | undefined> {
    const { rows } = await tx.query<PriceRow>(`${PRICE_SELECT} where p.tenant_id = $1 and p.key = $2`, [tenantId, key]);
    return rows[0];
  },
  async findById(tx: Queryable, tenantId: string, id: string): Promise<PriceRow | undefined> {
    const { rows } = await tx.query<PriceRow>(`${PRICE_SELECT} where p.tenant_id = $1 and p.id = $2`, [tenantId, id]);
    return rows[0];
  },
  async list(tx: Queryable, tenantId: string, filter: { includeArchived: boolean; productId?: string }): Promise<PriceRow[]> {
    const { rows } = await tx.query<PriceRow>(
      `${PRICE_SELECT} where p.tenant_id = $1 and ($2 or p.active) and ($3::uuid is null or p.product_id = $3) order by pr.key, p.key`,
      [tenantId, filter.includeArchived, filter.productId ?? null],
    );
    return rows;
  },
  async update(
    tx: Queryable,
    tenantId: string,
    id: string,
    patch: Partial<{ currency: string; unitAmount: number; interval: string | null; intervalCount: number; trialDays: number | null; nickname: string; active: boolean }>,
    at: Date,
  ): Promise<void> {
    await tx.query(
      `update prices set currency = coalesce($3, currency), unit_amount = coalesce($4, unit_amount),
              interval = case when $5::boolean then $6::text else interval end, interval_count = coalesce($7, interval_count),
              trial_days = case when $8::boolean then $9::int else trial_days end, nickname = coalesce($10, nickname),
              active = coalesce($11, active), version = version + 1, updated_at = $12
        where tenant_id = $1 and id = $2`,
      [
        tenantId,
        id,
        patch.currency ?? null,
        patch.unitAmount ?? null,
        'interval' in patch,
        patch.interval ?? null,
        patch.intervalCount ?? null,
        'trialDays' in patch,
        patch.trialDays ?? null,
        patch.nickname ?? null,
        patch.active ?? null,
        at,
      ],
    );
  },
};

export const syncRepository = {
  async markPending(tx: Queryable, tenantId: string, mode: Mode, type: CatalogObjectType, objectId: string, at: Date): Promise<void> {
    await tx.query(
      `insert into catalog_sync (tenant_id, mode, object_type, object_id, status, updated_at) values ($1, $2, $3, $4, 'pending', $5)
       on conflict (tenant_id, mode, object_type, object_id) do update set status = 'pending', updated_at = excluded.updated_at`,
      [tenantId, mode, type, objectId, at],
    );
  },
  async find(tx: Queryable, tenantId: string, mode: Mode, type: CatalogObjectType, objectId: string): Promise<SyncRow | undefined> {
    const { rows } = await tx.query<SyncRow>(
      'select * from catalog_sync where tenant_id = $1 and mode = $2 and object_type = $3 and object_id = $4',
      [tenantId, mode, type, objectId],
    );
    return rows[0];
  },
  async findByStripeId(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<SyncRow | undefined> {
    const { rows } = await tx.query<SyncRow>('select * from catalog_sync where tenant_id = $1 and mode = $2 and stripe_id = $3', [tenantId, mode, stripeId]);
    return rows[0];
  },
  /** Records a successful push; the status is `synced` only if nothing changed meanwhile. */
  async markSynced(
    tx: Queryable,
    tenantId: string,
    mode: Mode,
    type: CatalogObjectType,
    objectId: string,
    result: { stripeId: string; version: number; currentVersion: number; at: Date },
  ): Promise<void> {
    await tx.query(
      `insert into catalog_sync (tenant_id, mode, object_type, object_id, stripe_id, status, synced_version, attempts, last_error, next_retry_at, drift, synced_at, updated_at)
       values ($1, $2, $3, $4, $5, case when $6::int >= $7::int then 'synced' else 'pending' end, $6, 0, null, null, null, $8, $8)
       on conflict (tenant_id, mode, object_type, object_id) do update set stripe_id = excluded.stripe_id, status = excluded.status,
         synced_version = excluded.synced_version, attempts = 0, last_error = null, next_retry_at = null, drift = null,
         synced_at = excluded.synced_at, updated_at = excluded.updated_at`,
      [tenantId, mode, type, objectId, result.stripeId, result.version, result.currentVersion, result.at],
    );
  },
  async markError(tx: Queryable, tenantId: string, mode: Mode, type: CatalogObjectType, objectId: string, error: string, nextRetryAt: Date | null, at: Date) {
    await tx.query(
      `insert into catalog_sync (tenant_id, mode, object_type, object_id, status, attempts, last_error, next_retry_at, updated_at)
       values ($1, $2, $3, $4, 'error', 1, $5, $6, $7)
       on conflict (tenant_id, mode, object_type, object_id) do update set status = 'error', attempts = catalog_sync.attempts + 1,
         last_error = excluded.last_error, next_retry_at = excluded.next_retry_at, updated_at = excluded.updated_at`,
      [tenantId, mode, type, objectId, error.slice(0, 1000), nextRetryAt, at],
    );
  },
  async markDrifted(tx: Queryable, tenantId: string, mode: Mode, type: CatalogObjectType, objectId: string, drift: unknown, at: Date): Promise<void> {
    await tx.query(
      `update catalog_sync set status = 'drifted', drift = $5, updated_at = $6
        where tenant_id = $1 and mode = $2 and object_type = $3 and object_id = $4`,
      [tenantId, mode, type, objectId, JSON.stringify(drift), at],
    );
  },
  async list(tx: Queryable, tenantId: string): Promise<SyncRow[]> {
    const { rows } = await tx.query<SyncRow>('select * from catalog_sync where tenant_id = $1', [tenantId]);
    return rows;
  },
};

export const stripePriceRepository = {
  /** Makes `stripePriceId` the current Stripe price of the Tollgate price in `mode`. */
  async setCurrent(tx: Queryable, tenantId: string, mode: Mode, price: { id: string; productId: string }, stripePriceId: string, at: Date): Promise<void> {
    await tx.query('update stripe_prices set current = false where tenant_id = $1 and mode = $2 and price_id = $3 and stripe_price_id <> $4', [
      tenantId,
      mode,
      price.id,
      stripePriceId,
    ]);
    await tx.query(
      `insert into stripe_prices (tenant_id, mode, stripe_price_id, price_id, product_id, current, created_at) values ($1, $2, $3, $4, $5, true, $6)
       on conflict (tenant_id, mode, stripe_price_id) do update set current = true, price_id = excluded.price_id, product_id = excluded.product_id`,
      [tenantId, mode, stripePriceId, price.id, price.productId, at],
    );
  },
  async findPrice(tx: Queryable, tenantId: string, mode: Mode, stripePriceId: string): Promise<{ price_id: string; current: boolean } | undefined> {
    const { rows } = await tx.query<{ price_id: string; current: boolean }>(
      'select price_id, current from stripe_prices where tenant_id = $1 and mode = $2 and stripe_price_id = $3',
      [tenantId, mode, stripePriceId],
    );
    return rows[0];
  },
  /** `{price key: current Stripe price id}` of every active price synced to `mode`. */
  async mapping(tx: Queryable, tenantId: string, mode: Mode): Promise<Array<{ key: string; stripe_price_id: string }>> {
    const { rows } = await tx.query<{ key: string; stripe_price_id: string }>(
      `select p.key, sp.stripe_price_id from prices p
         join stripe_prices sp on sp.tenant_id = p.tenant_id and sp.price_id = p.id and sp.mode = $2 and sp.current
        where p.tenant_id = $1 and p.active order by p.key`,
      [tenantId, mode],
    );
    return rows;
  },
};

export const unmanagedRepository = {
  async record(tx: Queryable, tenantId: string, mode: Mode, o: { stripeId: string; type: CatalogObjectType; data: unknown }, at: Date): Promise<void> {
    await tx.query(
      `insert into catalog_unmanaged (tenant_id, mode, stripe_id, object_type, data, first_seen_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)
       on conflict (tenant_id, mode, stripe_id) do update set data = excluded.data, updated_at = excluded.updated_at`,
      [tenantId, mode, o.stripeId, o.type, JSON.stringify(o.data), at],
    );
  },
  async find(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<UnmanagedRow | undefined> {
    const { rows } = await tx.query<UnmanagedRow>('select * from catalog_unmanaged where tenant_id = $1 and mode = $2 and stripe_id = $3', [
      tenantId,
      mode,
      stripeId,
    ]);
    return rows[0];
  },
  async list(tx: Queryable, tenantId: string, filter: { mode?: Mode; status?: string }): Promise<UnmanagedRow[]> {
    const { rows } = await tx.query<UnmanagedRow>(
      `select * from catalog_unmanaged where tenant_id = $1 and ($2::text is null or mode = $2) and ($3::text is null or status = $3)
        order by first_seen_at, stripe_id`,
      [tenantId, filter.mode ?? null, filter.status ?? null],
    );
    return rows;
  },
  async setStatus(tx: Queryable, tenantId: string, mode: Mode, stripeId: string, status: 'ignored' | 'adopted', at: Date): Promise<boolean> {
    const { rowCount } = await tx.query('update catalog_unmanaged set status = $4, updated_at = $5 where tenant_id = $1 and mode = $2 and stripe_id = $3', [
      tenantId,
      mode,
      stripeId,
      status,
      at,
    ]);
    return rowCount > 0;
  },
};
