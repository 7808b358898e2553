/** Errors of the customers domain. */
import { defineErrors } from '../http/errors.ts';

export const customerErrors = defineErrors({
  customer_not_found: [404, 'No such customer.'],
});
