/** Shapes of webhook intake (the Stripe event envelope) and of the webhook event console routes. */
import { z } from 'zod';

const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31

/**
 * The fields of a Stripe event that intake relies on. Anything else in the
 * payload is kept as is; a payload without these is refused (400), never
 * stored half-way.
 */
export const stripeEventEnvelope = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, 'an event id (evt_…)'),
  object: z.literal('event'),
  type: z.string().max(120).regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'an event type such as invoice.paid'),
  created: z.number().int().min(0).max(MAX_UNIX_SECONDS),
  livemode: z.boolean(),
  api_version: z.string().max(64).nullable().optional(),
  account: z.string().max(255).nullable().optional(),
  data: z.looseObject({
    object: z.looseObject({
      id: z.string().max(255).optional(),
      object: z.string().max(120).optional(),
    }),
  }),
});

export type StripeEventEnvelope = z.infer<typeof stripeEventEnvelope>;

export const endpointParams = z.object({ endpointId: z.string().max(100) });

export const EVENT_STATUSES = ['pending', 'retrying', 'processed', 'ignored', 'failed'] as const;
export const eventStatus = z.enum(EVENT_STATUSES);

export const listEventsQuery = z.object({
  status: eventStatus.optional().describe('pending, retrying, processed, ignored or failed'),
  type: z
    .string()
    .max(120)
    .regex(/^[a-z0-9_.]+\*?$/, 'an event type, or a prefix ending in * (invoice.*)')
    .optional()
    .describe('An event type, or a prefix ending in * such as invoice.*'),
  object_id: z.string().max(255).optional().describe('Only events about this Stripe object (sub_…, in_…, cus_…)'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  starting_after: z.string().max(255).optional().describe('Cursor: the id of the last event of the previous page'),
});

export const eventParams = z.object({ id: z.string().max(255) });

export const replayAllBody = z
  .object({
    status: z.literal('failed').default('failed'),
    type: z.string().max(120).regex(/^[a-z0-9_.]+\*?$/).optional(),
  })
  .strict()
  .default({ status: 'failed' });

export const webhookEventView = z.object({
  id: z.string(),
  type: z.string(),
  mode: z.enum(['test', 'live']),
  status: eventStatus,
  attempts: z.number(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  outcome: z.string().nullable(),
  object: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  account: z.string().nullable(),
  api_version: z.string().nullable(),
  livemode: z.boolean(),
  created: z.string(),
  received_at: z.string(),
  processed_at: z.string().nullable(),
});

export const webhookEventDetail = webhookEventView.extend({ payload: z.record(z.string(), z.unknown()) });

export const eventList = z.object({
  data: z.array(webhookEventView),
  has_more: z.boolean(),
  summary: z.record(z.string(), z.number()).describe('Events of this mode per status'),
});
