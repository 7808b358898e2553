/** Shapes the catalog's rows into API responses. */
import type { FeatureRow, PriceRow, ProductFeatureRow, ProductRow } from './repository.ts';

export function featureView(row: FeatureRow) {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    type: row.type,
    archived: row.archived_at !== null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function productView(row: ProductRow, features: ProductFeatureRow[]) {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    active: row.active,
    metadata: row.metadata,
    features: features
      .filter((f) => f.product_id === row.id)
      .map((f) => ({ feature: f.feature_key, type: f.feature_type, value: f.feature_type === 'limit' ? f.value : null })),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function priceView(row: PriceRow) {
  return {
    id: row.id,
    key: row.key,
    product: row.product_key,
    currency: row.currency,
    unit_amount: row.unit_amount,
    interval: row.interval,
    interval_count: row.interval_count,
    trial_days: row.trial_days,
    nickname: row.nickname,
    active: row.active,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type ProductView = ReturnType<typeof productView>;
export type PriceView = ReturnType<typeof priceView>;
export type FeatureView = ReturnType<typeof featureView>;
