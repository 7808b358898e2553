/** Settings of the payment provider boundary (Stripe). */
import type { SettingDef } from '../config/schema.ts';

export const PROVIDER_SETTINGS = [
  { key: 'stripeApiBase', env: 'TOLLGATE_STRIPE_API_BASE', flag: 'stripe-api-base', type: 'url', group: 'stripe',
    description: 'Send every Stripe API call to this base URL instead of api.stripe.com, e.g. the offline sandbox at http://127.0.0.1:12111. Refused in production and never used with live keys.' },
] as const satisfies readonly SettingDef[];
