/** Errors of the tenant settings domain. */
import { defineErrors } from '../http/errors.ts';

export const settingsErrors = defineErrors({
  allowed_origins_not_set: [400, 'The tenant has no allowed origins: set them with PATCH /v1/settings {"allowed_origins": ["https://app.example.com"]}.'],
  redirect_not_allowed: [400, 'The URL is not under one of the allowed origins.'],
});
