/**
 * Tenants and their members: provisioning a tenant with its owner and first API
 * keys (used by sign-up and by `tollgate tenant create`), invitations, roles.
 * Functions take the caller's transaction; they never commit.
 */
import type { Queryable } from '../db/types.ts';
import type { ApiKeyService, ApiKeyView } from '../apikeys/service.ts';
import { MODES, type Actor, type TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { randomBase62, randomToken, sha256Hex } from '../lib/crypto.ts';
import { tenantErrors } from './errors.ts';
import { auditRepository, invitationRepository, memberRepository, tenantRepository, type InvitationRow, type MemberRow, type TenantRow } from './repository.ts';
import type { Role } from './roles.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}

export function tenantView(row: TenantRow): TenantView {
  return { id: row.id, slug: row.slug, name: row.name, created_at: row.created_at.toISOString() };
}

export function memberView(row: MemberRow) {
  return { user_id: row.user_id, email: row.email, role: row.role, joined_at: row.created_at.toISOString() };
}

export function invitationView(row: InvitationRow) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return base || 'tenant';
}

export interface ProvisionedKey {
  key: ApiKeyView;
  token: string;
}

export function createTenantService(deps: { clock: Clock; apiKeys: ApiKeyService }) {
  const { clock, apiKeys } = deps;

  async function uniqueSlug(tx: Queryable, wanted: string): Promise<string> {
    let slug = slugify(wanted);
    while (await tenantRepository.slugTaken(tx, slug)) slug = `${slugify(wanted).slice(0, 35)}-${randomBase62(4).toLowerCase()}`;
    return slug;
  }

  return {
    /**
     * Creates a tenant with its owner and one publishable and one secret key
     * per mode. Runs in a system-scope transaction (the tenant does not exist yet).
     */
    async provision(tx: Queryable, input: { name: string; slug?: string; ownerUserId: string }): Promise<{ tenant: TenantView; keys: ProvisionedKey[] }> {
      const at = clock.now();
      const tenant = await tenantRepository.insert(tx, { name: input.name, slug: await uniqueSlug(tx, input.slug ?? input.name), at });
      await memberRepository.upsert(tx, tenant.id, input.ownerUserId, 'owner', at);
      const keys: ProvisionedKey[] = [];
      for (const mode of MODES) {
        for (const kind of ['publishable', 'secret'] as const) {
          keys.push(await apiKeys.create(tx, tenant.id, { mode, kind, name: `default ${kind}`, createdBy: input.ownerUserId }));
        }
      }
      await auditRepository.record(tx, tenant.id, { actor: `user:${input.ownerUserId}`, action: 'tenant.created', target: tenant.id, at });
      return { tenant: tenantView(tenant), keys };
    },

    async get(tx: Queryable, tenantId: string): Promise<TenantView> {
      const row = await tenantRepository.findById(tx, tenantId);
      if (!row) throw tenantErrors.tenant_not_found();
      return tenantView(row);
    },

    async listMembers(tx: Queryable, tenantId: string) {
      return (await memberRepository.list(tx, tenantId)).map(memberView);
    },

    async changeRole(tx: Queryable, scope: TenantScope, userId: string, role: Role) {
      const member = await memberRepository.find(tx, scope.tenantId, userId);
      if (!member) throw tenantErrors.member_not_found();
      if (member.role === 'owner' && role !== 'owner' && (await memberRepository.countOwners(tx, scope.tenantId)) <= 1) throw tenantErrors.last_owner();
      await memberRepository.upsert(tx, scope.tenantId, userId, role, member.created_at);
      await this.audit(tx, scope, 'member.role_changed', userId, { from: member.role, to: role });
      return memberView({ ...member, role });
    },

    async removeMember(tx: Queryable, scope: TenantScope, userId: string): Promise<void> {
      const member = await memberRepository.find(tx, scope.tenantId, userId);
      if (!member) throw tenantErrors.member_not_found();
      if (member.role === 'owner' && (await memberRepository.countOwners(tx, scope.tenantId)) <= 1) throw tenantErrors.last_owner();
      await memberRepository.remove(tx, scope.tenantId, userId);
      await this.audit(tx, scope, 'member.removed', userId, { email: member.email });
    },

    /** Issues an invitation; its token is returned once. */
    async invite(tx: Queryable, scope: TenantScope, input: { email: string; role: Role }) {
      const token = randomToken(24);
      const at = clock.now();
      const row = await invitationRepository.insert(tx, scope.tenantId, {
        email: input.email,
        role: input.role,
        tokenHash: sha256Hex(token),
        invitedBy: scope.actor.type === 'user' ? scope.actor.userId : null,
        at,
        expiresAt: new Date(at.getTime() + INVITATION_TTL_MS),
      });
      await this.audit(tx, scope, 'member.invited', row.id, { email: input.email, role: input.role });
      return { invitation: invitationView(row), token };
    },

    async listInvitations(tx: Queryable, tenantId: string) {
      return (await invitationRepository.listOpen(tx, tenantId, clock.now())).map(invitationView);
    },

    async revokeInvitation(tx: Queryable, scope: TenantScope, id: string): Promise<void> {
      if (!(await invitationRepository.revoke(tx, scope.tenantId, id, clock.now()))) throw tenantErrors.invitation_not_found();
      await this.audit(tx, scope, 'invitation.revoked', id);
    },

    /** An open invitation by its token (system scope), or an error. */
    async openInvitation(tx: Queryable, token: string): Promise<InvitationRow> {
      const row = await invitationRepository.findOpenByToken(tx, sha256Hex(token), clock.now());
      if (!row) throw tenantErrors.invitation_invalid();
      return row;
    },

    /** Makes `userId` a member per the invitation and marks it used (system scope). */
    async acceptInvitation(tx: Queryable, invitation: InvitationRow, user: { id: string; email: string }): Promise<void> {
      if (invitation.email.toLowerCase() !== user.email.toLowerCase()) throw tenantErrors.invitation_email_mismatch();
      const at = clock.now();
      const existing = await memberRepository.find(tx, invitation.tenant_id, user.id);
      // Accepting never demotes an existing owner.
      if (!existing || existing.role !== 'owner') await memberRepository.upsert(tx, invitation.tenant_id, user.id, invitation.role, at);
      await invitationRepository.markAccepted(tx, invitation.tenant_id, invitation.id, user.id, at);
      await auditRepository.record(tx, invitation.tenant_id, {
        actor: `user:${user.email}`,
        action: 'invitation.accepted',
        target: invitation.id,
        details: { role: invitation.role },
        at,
      });
    },

    async audit(tx: Queryable, scope: { tenantId: string; actor: Actor }, action: string, target?: string, details?: unknown): Promise<void> {
      await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action, target, details, at: clock.now() });
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
