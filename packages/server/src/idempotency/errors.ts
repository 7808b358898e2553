/** Errors of the Idempotency-Key header. */
import { defineErrors } from '../http/errors.ts';

export const idempotencyErrors = defineErrors({
  idempotency_key_invalid: [400, 'An Idempotency-Key is 1 to 255 visible ASCII characters.'],
  idempotency_key_reused: [400, 'This Idempotency-Key was used with another request: use a new key for a different request.'],
  idempotency_key_in_progress: [409, 'A request with this Idempotency-Key is still running: retry in a moment to get its answer.'],
});
