/** Request and response shapes of the catalog routes: features, products, prices, sync. */
import { z } from 'zod';
import { CURRENCIES } from './currencies.ts';

export const catalogKey = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lowercase letters, digits, "_", "." and "-", starting with a letter or digit');

export const keyParams = z.object({ key: catalogKey });
export const modeEnum = z.enum(['test', 'live']);

// Features ------------------------------------------------------------------

export const featureType = z.enum(['boolean', 'limit']);

export const createFeatureBody = z.object({
  key: catalogKey.describe('Stable identifier your app checks, e.g. export_pdf'),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  type: featureType.default('boolean').describe('boolean: on/off; limit: an integer per product (null = unlimited)'),
});

export const updateFeatureBody = z
  .object({ name: z.string().trim().min(1).max(200).optional(), description: z.string().max(2000).optional(), type: featureType.optional() })
  .strict();

export const featureView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  type: featureType,
  archived: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

// Products ------------------------------------------------------------------

export const productFeatureInput = z.object({
  feature: catalogKey.describe('Feature key'),
  value: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional().describe('For limit features: the limit; null or absent = unlimited'),
});

const productFeatures = z
  .array(productFeatureInput)
  .max(200)
  .refine((list) => new Set(list.map((f) => f.feature)).size === list.length, { message: 'a feature is listed twice' });

const metadata = z.record(z.string().max(40), z.string().max(500)).refine((m) => Object.keys(m).length <= 40, { message: 'at most 40 metadata keys' });

export const createProductBody = z.object({
  key: catalogKey.describe('Stable identifier, e.g. pro'),
  name: z.string().trim().min(1).max(250),
  description: z.string().max(5000).optional(),
  active: z.boolean().optional(),
  metadata: metadata.optional(),
  features: productFeatures.optional(),
});

export const updateProductBody = z
  .object({
    name: z.string().trim().min(1).max(250).optional(),
    description: z.string().max(5000).optional(),
    active: z.boolean().optional(),
    metadata: metadata.optional(),
    features: productFeatures.optional().describe('Replaces the whole set'),
  })
  .strict();

export const productView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  active: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  features: z.array(z.object({ feature: z.string(), type: featureType, value: z.number().nullable() })),
  created_at: z.string(),
  updated_at: z.string(),
});

// Prices --------------------------------------------------------------------

export const currency = z
  .string()
  .trim()
  .transform((c) => c.toLowerCase())
  .refine((c) => CURRENCIES.has(c), { message: 'unknown currency: use a three-letter ISO 4217 code Stripe supports, e.g. usd, eur' });

export const interval = z.enum(['day', 'week', 'month', 'year']);

export const createPriceBody = z.object({
  key: catalogKey.describe('Stable identifier, e.g. pro.monthly; becomes the Stripe lookup_key'),
  product: catalogKey.describe('Product key'),
  currency,
  unit_amount: z.number().int('must be a whole number of minor units (cents)').min(0, 'must not be negative').max(99_999_999),
  interval: interval.nullable().optional().describe('Billing interval; null or absent for a one-time price'),
  interval_count: z.number().int().min(1).max(365).optional(),
  trial_days: z.number().int().min(1).max(730).nullable().optional(),
  nickname: z.string().max(250).optional(),
  active: z.boolean().optional(),
});

export const updatePriceBody = z
  .object({
    currency: currency.optional(),
    unit_amount: z.number().int('must be a whole number of minor units (cents)').min(0, 'must not be negative').max(99_999_999).optional(),
    interval: interval.nullable().optional(),
    interval_count: z.number().int().min(1).max(365).optional(),
    trial_days: z.number().int().min(1).max(730).nullable().optional(),
    nickname: z.string().max(250).optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const priceView = z.object({
  id: z.string(),
  key: z.string(),
  product: z.string(),
  currency: z.string(),
  unit_amount: z.number(),
  interval: interval.nullable(),
  interval_count: z.number(),
  trial_days: z.number().nullable(),
  nickname: z.string(),
  active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const listQuery = z.object({
  include_archived: z.enum(['true', 'false']).optional(),
  product: catalogKey.optional(),
});

// Sync ----------------------------------------------------------------------

export const syncStatus = z.enum(['synced', 'pending', 'error', 'drifted', 'not_mapped']);

export const syncEntry = z.object({
  object: z.enum(['product', 'price']),
  key: z.string(),
  name: z.string(),
  mode: modeEnum,
  status: syncStatus,
  stripe_id: z.string().nullable(),
  dashboard_url: z.string().nullable(),
  last_error: z.string().nullable(),
  next_retry_at: z.string().nullable(),
  synced_at: z.string().nullable(),
  drift: z.unknown().nullable(),
});

export const syncQuery = z.object({ mode: modeEnum.optional(), status: syncStatus.optional() });
export const resyncBody = z.object({ mode: modeEnum.optional() }).default({});
export const mappingQuery = z.object({ mode: modeEnum.optional().describe('Defaults to the mode of the caller') });

export const unmanagedQuery = z.object({ mode: modeEnum.optional(), status: z.enum(['unmanaged', 'ignored', 'adopted']).optional() });
export const adoptBody = z.object({
  mode: modeEnum,
  stripe_id: z.string().trim().min(3).max(255),
  key: catalogKey.optional().describe('Key for the adopted product or price (derived from its lookup_key or name when absent)'),
});
export const ignoreBody = z.object({ mode: modeEnum, stripe_id: z.string().trim().min(3).max(255) });
