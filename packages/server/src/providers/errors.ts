/** Errors of the provider connection domain. */
import { defineErrors } from '../http/errors.ts';

export const providerErrors = defineErrors({
  stripe_key_mode_mismatch: [400, 'The key does not match the mode.'],
  stripe_key_malformed: [400, 'That is not a Stripe secret or restricted key.'],
  stripe_publishable_key: [400, 'That is a publishable key (pk_…). Tollgate needs a secret (sk_…) or restricted (rk_…) key.'],
  webhook_secret_malformed: [400, 'A webhook signing secret starts with whsec_.'],
  stripe_not_connected: [409, 'No Stripe account is connected for this mode.'],
  live_mode_unavailable: [400, 'Live keys cannot be used while TOLLGATE_STRIPE_API_BASE points Stripe calls elsewhere.'],
  webhook_endpoint_not_found: [404, 'No such webhook endpoint.'],
});
