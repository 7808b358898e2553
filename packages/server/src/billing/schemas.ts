/** Query and response shapes of the ledger routes. */
import { z } from 'zod';

const stripeId = z.string().max(255);

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  starting_after: stripeId.optional().describe('Cursor: the id of the last object of the previous page'),
};

export const SUBSCRIPTION_STATUSES = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'] as const;

export const subscriptionsQuery = z.object({ ...pageQuery, status: z.enum(SUBSCRIPTION_STATUSES).optional(), customer: stripeId.optional() });
export const invoicesQuery = z.object({
  ...pageQuery,
  status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
  customer: stripeId.optional(),
  subscription: stripeId.optional(),
});
export const disputesQuery = z.object({
  ...pageQuery,
  status: z.enum(['warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost', 'prevented']).optional(),
  charge: stripeId.optional(),
});
export const fraudWarningsQuery = z.object({
  ...pageQuery,
  actionable: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  charge: stripeId.optional(),
});
export const idParams = z.object({ id: stripeId });

const ts = z.string().nullable();

export const subscriptionView = z.object({
  id: z.string(),
  customer: z.string().nullable(),
  status: z.string().nullable(),
  price_ids: z.array(z.string()),
  cancel_at_period_end: z.boolean(),
  cancel_at: ts,
  current_period_start: ts,
  current_period_end: ts,
  trial_start: ts,
  trial_end: ts,
  canceled_at: ts,
  ended_at: ts,
  past_due_since: ts.describe('When the first payment of the current delinquency failed'),
  latest_invoice: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  created: ts,
  updated_at: ts,
});

export const subscriptionDetail = subscriptionView.extend({
  items: z.array(
    z.object({ id: z.string(), price: z.string().nullable(), product: z.string().nullable(), quantity: z.number().nullable(), current_period_start: ts, current_period_end: ts }),
  ),
  customer_details: z.object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable(), deleted: z.boolean() }).nullable(),
});

export const invoiceView = z.object({
  id: z.string(),
  customer: z.string().nullable(),
  subscription: z.string().nullable(),
  status: z.string().nullable(),
  billing_reason: z.string().nullable(),
  number: z.string().nullable(),
  currency: z.string().nullable(),
  amount_due: z.number().nullable(),
  amount_paid: z.number().nullable(),
  amount_remaining: z.number().nullable(),
  total: z.number().nullable(),
  period_start: ts,
  period_end: ts,
  hosted_invoice_url: z.string().nullable(),
  attempt_count: z.number().nullable(),
  next_payment_attempt: ts,
  paid_at: ts,
  deleted: z.boolean(),
  created: ts,
});

export const disputeView = z.object({
  id: z.string(),
  charge: z.string().nullable(),
  payment_intent: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  reason: z.string().nullable(),
  status: z.string().nullable(),
  evidence_due_by: ts,
  created: ts,
});

export const fraudWarningView = z.object({
  id: z.string(),
  charge: z.string().nullable(),
  payment_intent: z.string().nullable(),
  fraud_type: z.string().nullable(),
  actionable: z.boolean().nullable(),
  created: ts,
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), has_more: z.boolean() });
}
