/** Request and response shapes of the customer routes. */
import { z } from 'zod';

export const externalId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe("Your app's own id for this user");

export const externalIdParams = z.object({ external_id: externalId });

export const upsertCustomerBody = z
  .object({
    email: z.string().trim().max(254).email().nullable().optional(),
    name: z.string().trim().max(256).nullable().optional(),
    metadata: z.record(z.string().max(40), z.string().max(500)).optional(),
  })
  .strict();

export const customerView = z.object({
  id: z.string(),
  external_id: z.string(),
  mode: z.enum(['test', 'live']),
  email: z.string().nullable(),
  name: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  stripe_customer_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
