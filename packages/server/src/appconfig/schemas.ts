/** Shapes of the app config endpoint and the paywall. */
import { z } from 'zod';
import { catalogKey } from '../catalog/schemas.ts';

export const paywall = z
  .object({
    headline: z.string().trim().max(200).default(''),
    subheadline: z.string().trim().max(500).default(''),
    plan_order: z.array(catalogKey).max(20).default([]).describe('Product keys in the order the paywall shows them'),
    highlighted_plan: catalogKey.nullable().default(null),
    feature_bullets: z.record(catalogKey, z.array(z.string().trim().min(1).max(200)).max(20)).default({}).describe('Bullet points per product key'),
  })
  .strict();

export type Paywall = z.infer<typeof paywall>;

export const configQuery = z.object({ apiKey: z.string().max(200).optional().describe('Publishable key (alias route only)') });

const price = z.object({
  key: z.string(),
  currency: z.string(),
  unit_amount: z.number(),
  interval: z.string().nullable(),
  interval_count: z.number(),
  trial_days: z.number().nullable(),
  stripe_price_id: z.string().nullable(),
});

export const appConfig = z.object({
  tenant_id: z.string(),
  mode: z.enum(['test', 'live']),
  products: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      description: z.string(),
      features: z.array(z.object({ feature: z.string(), type: z.enum(['boolean', 'limit']), value: z.number().nullable() })),
      prices: z.array(price),
    }),
  ),
  features: z.array(z.object({ key: z.string(), name: z.string(), description: z.string(), type: z.enum(['boolean', 'limit']) })),
  providers: z.array(z.object({ type: z.literal('stripe'), publishable_key: z.string().optional() })),
  paywall,
  cache_ttl_seconds: z.number(),
});
