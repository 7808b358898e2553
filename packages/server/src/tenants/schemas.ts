/** Request and response shapes of the tenant, member and invitation routes. */
import { z } from 'zod';
import { email } from '../accounts/schemas.ts';
import { ROLES } from './roles.ts';

export const role = z.enum(ROLES);

export const tenantView = z.object({ id: z.string().uuid(), slug: z.string(), name: z.string(), created_at: z.string() });

export const createTenantBody = z.object({ name: z.string().trim().min(1).max(100) });

export const memberView = z.object({ user_id: z.string().uuid(), email: z.string(), role, joined_at: z.string() });

export const userIdParams = z.object({ user_id: z.string().uuid() });
export const idParams = z.object({ id: z.string().uuid() });

export const changeRoleBody = z.object({ role });

export const inviteBody = z.object({ email, role: role.default('developer') });

export const invitationView = z.object({ id: z.string().uuid(), email: z.string(), role, created_at: z.string(), expires_at: z.string() });

export const acceptInvitationBody = z.object({ token: z.string().min(1).max(200) });
