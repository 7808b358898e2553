/** Errors of webhook intake and the webhook event console: stable codes and their HTTP status. */
import { defineErrors } from '../http/errors.ts';

export const webhookErrors = defineErrors({
  webhook_endpoint_not_found: [404, 'No webhook endpoint with this id: check the URL registered in Stripe.'],
  webhook_signature_missing: [400, 'The Stripe-Signature header is missing.'],
  webhook_signature_invalid: [400, 'The Stripe-Signature header does not match the body, or its timestamp is more than 300 seconds old.'],
  webhook_event_invalid: [400, 'The body is not a Stripe event.'],
  webhook_livemode_mismatch: [400, 'The event’s livemode contradicts the mode of this endpoint.'],
  webhook_store_failed: [503, 'The event could not be stored; Stripe will deliver it again.'],
  webhook_event_not_found: [404, 'No such webhook event.'],
  webhook_event_in_progress: [409, 'The event is already queued for processing.'],
});
