/** Request and response shapes of the API key routes. */
import { z } from 'zod';

export const mode = z.enum(['test', 'live']);
export const kind = z.enum(['publishable', 'secret']);

export const apiKeyView = z.object({
  id: z.string().uuid(),
  mode,
  kind,
  name: z.string(),
  prefix: z.string().describe('The first characters of the key, to recognize it; the key itself is shown only once.'),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

export const createApiKeyBody = z.object({
  kind,
  mode: mode.optional().describe('Defaults to the mode of the caller.'),
  name: z.string().trim().max(100).optional(),
});

export const listApiKeysQuery = z.object({
  mode: mode.optional(),
  include_revoked: z.enum(['true', 'false']).optional(),
});

export const idParams = z.object({ id: z.string().uuid() });
