/** Request and response shapes of the entitlement and grant routes. */
import { z } from 'zod';
import { externalId } from '../customers/schemas.ts';
import { catalogKey } from '../catalog/schemas.ts';

export const checkQuery = z.object({
  customer: externalId.describe("Your app's user id"),
  feature: catalogKey.describe('Feature key, e.g. export_pdf'),
});

export const checkResponse = z.object({
  allowed: z.boolean(),
  value: z.number().nullable().describe('The limit of a limit feature (null = unlimited); null for boolean features'),
  source: z.enum(['subscription', 'grant']).nullable(),
  valid_until: z.string().nullable().describe('When this access ends unless something changes; null = no known end'),
});

export const entitlementView = z.object({
  feature: z.string(),
  type: z.enum(['boolean', 'limit']),
  value: z.number().nullable(),
  source: z.enum(['subscription', 'grant']),
  valid_until: z.string().nullable(),
});

export const customerEntitlements = z.object({ customer: z.string(), mode: z.enum(['test', 'live']), entitlements: z.array(entitlementView) });

export const createGrantBody = z
  .object({
    customer: externalId,
    product: catalogKey.optional().describe('Give all features of this product'),
    feature: catalogKey.optional().describe('Or give one feature'),
    value: z.number().int().min(0).nullable().optional().describe('For a limit feature: the limit (null = unlimited)'),
    reason: z.string().trim().min(1).max(500),
    expires_at: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

export const grantView = z.object({
  id: z.string(),
  customer: z.string().nullable(),
  product: z.string().nullable(),
  feature: z.string().nullable(),
  value: z.number().nullable(),
  reason: z.string(),
  granted_by: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  revoked_by: z.string().nullable(),
});

export const grantsQuery = z.object({ customer: externalId.optional(), include_revoked: z.enum(['true', 'false']).optional() });
export const grantParams = z.object({ id: z.string().uuid() });
