/** Request and response shapes of the accounts routes. */
import { z } from 'zod';
import { ROLES } from '../tenants/roles.ts';

export const email = z
  .string()
  .trim()
  .max(254)
  .email('must be an email address')
  .transform((value) => value.toLowerCase());

export const password = z.string().min(10, 'must be at least 10 characters').max(256, 'must be at most 256 characters');

export const signupBody = z.object({
  email,
  password,
  invite_token: z.string().min(1).max(200).optional().describe('Token from an invitation; required when TOLLGATE_SIGNUP=invite.'),
  tenant_name: z.string().trim().min(1).max(100).optional().describe('Name of the tenant created for you (first user, or open sign-up).'),
});

export const loginBody = z.object({ email, password: z.string().min(1).max(256) });

export const tenantSummary = z.object({
  id: z.string().uuid(),
  slug: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
});

export const userView = z.object({ id: z.string().uuid(), email: z.string(), is_platform_admin: z.boolean() });

export const sessionResponse = z.object({
  user: userView,
  tenants: z.array(tenantSummary),
  csrf_token: z.string().describe('Send as X-CSRF-Token on every cookie-authenticated write.'),
});

export const meResponse = z.union([
  sessionResponse.extend({ type: z.literal('user') }),
  z.object({
    type: z.literal('api_key'),
    key: z.object({ id: z.string().uuid(), kind: z.enum(['publishable', 'secret']), mode: z.enum(['test', 'live']) }),
    tenant: z.object({ id: z.string().uuid(), slug: z.string(), name: z.string() }),
  }),
]);

export const sessionIdParams = z.object({ id: z.string().uuid() });
