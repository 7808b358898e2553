/** Request and response shapes of the outbound webhook routes. */
import { z } from 'zod';

/** The event types a tenant's endpoints can receive. */
export const OUTBOUND_EVENT_TYPES = ['entitlements.updated', 'subscription.updated', 'invoice.payment_failed', 'checkout.completed'] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

const eventTypes = z
  .array(z.enum(OUTBOUND_EVENT_TYPES))
  .max(OUTBOUND_EVENT_TYPES.length)
  .describe('Event types to receive; empty or absent = all of them');

const url = z.string().trim().min(1).max(2000).describe('HTTPS URL on your backend (plain http only outside production)');

export const createEndpointBody = z
  .object({
    url,
    description: z.string().trim().max(500).optional(),
    enabled_events: eventTypes.optional(),
  })
  .strict();

export const updateEndpointBody = z
  .object({
    url: url.optional(),
    description: z.string().trim().max(500).optional(),
    enabled_events: eventTypes.optional(),
    disabled: z.boolean().optional().describe('A disabled endpoint receives nothing; pending deliveries to it are canceled'),
  })
  .strict();

export const endpointParams = z.object({ id: z.string().uuid() });

export const endpointView = z.object({
  id: z.string(),
  mode: z.enum(['test', 'live']),
  url: z.string(),
  description: z.string(),
  enabled_events: z.array(z.string()),
  disabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const endpointWithSecret = endpointView.extend({
  secret: z.string().describe('The signing secret (whsec_…), shown only now: verify webhook-signature with it (Standard Webhooks)'),
});

export const deliveryStatus = z.enum(['pending', 'succeeded', 'failed', 'canceled']);

export const deliveriesQuery = z.object({
  endpoint: z.string().uuid().optional(),
  status: deliveryStatus.optional(),
  type: z.enum(OUTBOUND_EVENT_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  starting_after: z.string().uuid().optional().describe('Id of the last delivery of the previous page'),
});

export const deliveryView = z.object({
  id: z.string(),
  message_id: z.string().describe('The webhook-id header: the same for every attempt and every resend'),
  endpoint_id: z.string(),
  url: z.string(),
  type: z.string(),
  status: deliveryStatus,
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
});

export const attemptView = z.object({
  attempt: z.number(),
  trigger: z.enum(['automatic', 'resend']),
  attempted_at: z.string(),
  status_code: z.number().nullable(),
  error: z.string().nullable(),
  response_excerpt: z.string().nullable(),
  duration_ms: z.number(),
});

export const deliveryDetail = deliveryView.extend({ payload: z.unknown().describe('The body sent'), attempt_log: z.array(attemptView) });

export const deliveryParams = z.object({ id: z.string().uuid() });
