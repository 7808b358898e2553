/** Errors of the billing ledger routes: stable codes and their HTTP status. */
import { defineErrors } from '../http/errors.ts';

export const billingErrors = defineErrors({
  subscription_not_found: [404, 'No such subscription in this mode.'],
});
