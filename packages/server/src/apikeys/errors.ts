/** Errors of the API key domain. */
import { defineErrors } from '../http/errors.ts';

export const apiKeyErrors = defineErrors({
  api_key_not_found: [404, 'No such API key.'],
  api_key_mode_mismatch: [403, 'An API key can only create keys of its own mode.'],
});
