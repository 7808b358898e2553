/** Tenant routes for the console: the current tenant, members and invitations. */
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { z } from 'zod';
import { tenantErrors } from './errors.ts';
import { acceptInvitationBody, changeRoleBody, createTenantBody, idParams, invitationView, inviteBody, memberView, tenantView, userIdParams } from './schemas.ts';

export function tenantRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/tenants',
      summary: 'Create another tenant you own (open sign-up or platform admin)',
      tags: ['tenants'],
      access: 'user',
      body: createTenantBody,
      status: 201,
      async handler({ user, body }) {
        const created = await s.accounts.createTenant(user, body.name);
        if (!created) throw tenantErrors.tenant_creation_forbidden();
        return { tenant: created.tenant, api_keys: created.keys.map((k) => ({ ...k.key, token: k.token })) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/tenant',
      summary: 'The tenant of the caller',
      tags: ['tenants'],
      access: { permission: 'tenant:read', keys: ['secret'] },
      response: tenantView.extend({ mode: z.enum(['test', 'live']) }),
      async handler({ scope }) {
        return { ...(await s.inTenant(scope.tenantId, (tx) => s.tenants.get(tx, scope.tenantId))), mode: scope.mode };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/members',
      summary: 'Members of the tenant and their roles',
      tags: ['tenants'],
      access: { permission: 'tenant:read', keys: [] },
      response: z.object({ data: z.array(memberView) }),
      async handler({ scope }) {
        return { data: await s.inTenant(scope.tenantId, (tx) => s.tenants.listMembers(tx, scope.tenantId)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/members/:user_id',
      summary: "Change a member's role",
      tags: ['tenants'],
      access: { permission: 'members:manage', keys: [] },
      params: userIdParams,
      body: changeRoleBody,
      response: memberView,
      async handler({ scope, params, body }) {
        return s.inTenant(scope.tenantId, (tx) => s.tenants.changeRole(tx, scope, params.user_id, body.role));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/members/:user_id',
      summary: 'Remove a member from the tenant',
      tags: ['tenants'],
      access: { permission: 'members:manage', keys: [] },
      params: userIdParams,
      async handler({ scope, params }) {
        await s.inTenant(scope.tenantId, (tx) => s.tenants.removeMember(tx, scope, params.user_id));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/invitations',
      summary: 'Open invitations of the tenant',
      tags: ['tenants'],
      access: { permission: 'members:manage', keys: [] },
      response: z.object({ data: z.array(invitationView) }),
      async handler({ scope }) {
        return { data: await s.inTenant(scope.tenantId, (tx) => s.tenants.listInvitations(tx, scope.tenantId)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/invitations',
      summary: 'Invite someone to the tenant with a role; the token is shown once',
      tags: ['tenants'],
      access: { permission: 'members:manage', keys: [] },
      body: inviteBody,
      status: 201,
      response: z.object({ invitation: invitationView, token: z.string(), accept_url: z.string() }),
      async handler({ scope, body }) {
        const { invitation, token } = await s.inTenant(scope.tenantId, (tx) => s.tenants.invite(tx, scope, body));
        return { invitation, token, accept_url: `${s.config.publicUrl}/signup?invite=${encodeURIComponent(token)}` };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/invitations/:id',
      summary: 'Revoke an open invitation',
      tags: ['tenants'],
      access: { permission: 'members:manage', keys: [] },
      params: idParams,
      async handler({ scope, params }) {
        await s.inTenant(scope.tenantId, (tx) => s.tenants.revokeInvitation(tx, scope, params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/invitations/accept',
      summary: 'Accept an invitation as the signed-in user',
      tags: ['tenants'],
      access: 'user',
      body: acceptInvitationBody,
      async handler({ user, body }) {
        return s.accounts.acceptInvitation(user, body.token);
      },
    }),
  ];
}
