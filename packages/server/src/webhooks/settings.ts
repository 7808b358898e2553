/** Settings of Stripe webhook intake and processing. */
import type { SettingDef } from '../config/schema.ts';

export const WEBHOOK_SETTINGS = [
  { key: 'webhookBodyLimit', env: 'TOLLGATE_WEBHOOK_BODY_LIMIT', flag: 'webhook-body-limit', type: 'int', min: 16 * 1024, max: 64 * 1024 * 1024, default: '1048576', group: 'webhooks',
    description: 'Largest Stripe webhook body accepted, in bytes; larger deliveries get 413 (Stripe retries them, so raise it rather than lower it).' },
  { key: 'webhookMaxAttempts', env: 'TOLLGATE_WEBHOOK_MAX_ATTEMPTS', flag: 'webhook-max-attempts', type: 'int', min: 1, max: 100, default: '12', group: 'webhooks',
    description: 'Processing attempts of one stored event (backoff 1 s doubling up to 1 h) before it is marked failed; failed events can be replayed.' },
] as const satisfies readonly SettingDef[];
