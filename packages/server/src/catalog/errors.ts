/** Errors of the catalog domain. */
import { defineErrors } from '../http/errors.ts';

export const catalogErrors = defineErrors({
  feature_not_found: [404, 'No such feature.'],
  feature_key_taken: [409, 'A feature with this key already exists.'],
  feature_type_in_use: [409, 'The feature type cannot change while products grant it.'],
  product_not_found: [404, 'No such product.'],
  product_key_taken: [409, 'A product with this key already exists.'],
  unknown_feature: [400, 'The product lists a feature that does not exist.'],
  feature_value_invalid: [400, 'A boolean feature takes no value.'],
  price_not_found: [404, 'No such price.'],
  price_key_taken: [409, 'A price with this key already exists.'],
  price_interval_count_without_interval: [400, 'interval_count needs an interval: a one-time price has none.'],
  price_trial_without_interval: [400, 'trial_days needs a recurring price.'],
  product_archived: [409, 'The product is archived: reactivate it before adding prices.'],
  unmanaged_not_found: [404, 'No such unmanaged Stripe object.'],
  adopt_product_first: [409, "Adopt the price's product first."],
  not_connected: [409, 'No Stripe account is connected for this mode.'],
});
