/** Errors of checkout, the customer portal and customer tokens. */
import { defineErrors } from '../http/errors.ts';

export const checkoutErrors = defineErrors({
  customer_token_required: [401, 'A publishable key acts for one customer only: send the Tollgate-Customer-Token header (minted by your backend with POST /v1/customer_tokens).'],
  customer_token_invalid: [401, 'The customer token is not valid: mint a new one with POST /v1/customer_tokens.'],
  customer_token_expired: [401, 'The customer token has expired: mint a new one with POST /v1/customer_tokens.'],
  customer_token_mismatch: [403, 'The customer token was issued for another customer.'],
  customer_required: [400, 'Name the customer: send "customer" (your user id) or "customer_email".'],
  trial_days_needs_secret_key: [403, 'trial_days can only be set with a secret key (from your backend).'],
  price_not_found: [404, 'No such price.'],
  price_archived: [409, 'The price is archived and cannot be bought any more.'],
  price_not_synced: [409, 'The price has not been pushed to Stripe in this mode yet.'],
  already_subscribed: [409, 'The customer already has a subscription to this product.'],
  no_stripe_customer: [409, 'The customer has no Stripe customer yet (nothing was ever bought): there is nothing to manage in the portal.'],
});
