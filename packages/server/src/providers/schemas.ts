/** Request and response shapes of the provider connection routes. */
import { z } from 'zod';

export const modeParams = z.object({ mode: z.enum(['test', 'live']) });

export const connectBody = z
  .object({
    secret_key: z.string().trim().min(1).max(300).optional().describe('A Stripe secret (sk_…) or restricted (rk_…) key of this mode. Stored encrypted; never shown again.'),
    webhook_secret: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .optional()
      .describe('Optional: the signing secret (whsec_…) of an endpoint you created by hand at the URL this call returns, instead of letting Tollgate register one.'),
  })
  .extend({
    publishable_key: z
      .string()
      .trim()
      .max(300)
      .optional()
      .describe('Optional: the Stripe publishable key (pk_…) of this mode, handed to apps in GET /v1/config'),
  })
  .refine((b) => b.secret_key !== undefined || b.webhook_secret !== undefined || b.publishable_key !== undefined, {
    message: 'send secret_key, webhook_secret or publishable_key',
  });

export const connectionView = z.object({
  provider: z.literal('stripe'),
  mode: z.enum(['test', 'live']),
  status: z.enum(['connected', 'error', 'not_connected']),
  status_detail: z.string().nullable().optional(),
  method: z.enum(['api_key', 'oauth']).optional(),
  key_kind: z.enum(['secret', 'restricted', 'oauth']).optional(),
  key_last4: z.string().optional(),
  account_id: z.string().nullable().optional(),
  account_name: z.string().nullable().optional(),
  connected_at: z.string().optional(),
  publishable_key: z.string().nullable().optional(),
  webhook: z
    .object({
      endpoint_id: z.string(),
      url: z.string(),
      source: z.enum(['registered', 'manual']),
      stripe_endpoint_id: z.string().nullable(),
      enabled_events: z.number(),
    })
    .nullable()
    .optional(),
});
