/** Errors of the entitlement domain. */
import { defineErrors } from '../http/errors.ts';

export const entitlementErrors = defineErrors({
  grant_not_found: [404, 'No such grant.'],
  grant_target_invalid: [400, 'A grant names either a product or a feature, not both.'],
  grant_value_invalid: [400, 'Only a limit feature takes a value.'],
  grant_expiry_past: [400, 'expires_at must be in the future.'],
  entitlements_unavailable: [503, 'Entitlements cannot be read right now; failing closed.'],
});
