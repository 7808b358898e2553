/**
 * Console accounts: sign-up (the first user of a fresh install becomes a
 * platform admin and owner of a new tenant; later sign-ups follow
 * TOLLGATE_SIGNUP), sign-in with scrypt-hashed passwords, and server-side
 * sessions that can be listed and revoked. Session tokens are stored as an
 * HMAC keyed by TOLLGATE_SESSION_SECRET.
 */
import { createHmac } from 'node:crypto';
import type { Db, Queryable } from '../db/types.ts';
import { withSystem } from '../db/scope.ts';
import type { SessionUser } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { randomToken } from '../lib/crypto.ts';
import { dummyHash, hashPassword, verifyPassword } from '../lib/password.ts';
import type { TenantService } from '../tenants/service.ts';
import { tenantRepository } from '../tenants/repository.ts';
import type { Role } from '../tenants/roles.ts';
import { accountErrors } from './errors.ts';
import { sessionRepository, userRepository, type UserRow } from './repository.ts';

export interface AccountsConfig {
  signup: 'open' | 'invite' | 'closed';
  adminEmails: string[];
  adminEmailDomain?: string;
  sessionTtlHours: number;
  sessionSecret: string;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SignedIn {
  token: string;
  expiresAt: Date;
  body: {
    user: { id: string; email: string; is_platform_admin: boolean };
    tenants: Array<{ id: string; slug: string; name: string; role: Role }>;
    csrf_token: string;
  };
}

export function createAccountService(deps: { db: Db; clock: Clock; config: AccountsConfig; tenants: TenantService }) {
  const { db, clock, config, tenants } = deps;
  const adminEmails = new Set(config.adminEmails.map((e) => e.toLowerCase()));
  const adminDomain = config.adminEmailDomain?.toLowerCase().replace(/^@/, '');

  function isPlatformAdmin(user: { email: string; is_platform_admin: boolean }): boolean {
    const email = user.email.toLowerCase();
    return user.is_platform_admin || adminEmails.has(email) || (!!adminDomain && email.endsWith(`@${adminDomain}`));
  }

  function tokenHash(token: string): string {
    return createHmac('sha256', config.sessionSecret).update(token).digest('hex');
  }

  async function startSession(tx: Queryable, user: UserRow, client: ClientInfo): Promise<SignedIn> {
    const token = randomToken(32);
    const at = clock.now();
    const expiresAt = new Date(at.getTime() + config.sessionTtlHours * 3600_000);
    const session = await sessionRepository.insert(tx, {
      userId: user.id,
      tokenHash: tokenHash(token),
      csrfToken: randomToken(24),
      at,
      expiresAt,
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
    });
    await userRepository.touchLogin(tx, user.id, at);
    const memberships = await tenantRepository.listForUser(tx, user.id);
    return {
      token,
      expiresAt,
      body: {
        user: { id: user.id, email: user.email, is_platform_admin: isPlatformAdmin(user) },
        tenants: memberships.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: t.role })),
        csrf_token: session.csrf_token,
      },
    };
  }

  function defaultTenantName(email: string): string {
    return `${email.split('@')[0]}'s app`;
  }

  return {
    isPlatformAdmin,

    async signup(input: { email: string; password: string; invite_token?: string; tenant_name?: string }, client: ClientInfo): Promise<SignedIn> {
      const passwordHash = await hashPassword(input.password);
      return withSystem(db, async (tx) => {
        await userRepository.lockForSignup(tx);
        const invitation = input.invite_token ? await tenants.openInvitation(tx, input.invite_token) : undefined;
        const existing = await userRepository.findByEmail(tx, input.email);
        let user: UserRow;
        if (existing) {
          // An owner provisioned by `tollgate tenant create` has no password until they claim the account.
          if (existing.password_hash !== null || !invitation) throw accountErrors.email_taken();
          await userRepository.setPassword(tx, existing.id, passwordHash);
          user = { ...existing, password_hash: passwordHash };
        } else if ((await userRepository.count(tx)) === 0) {
          user = await userRepository.insert(tx, { email: input.email, passwordHash, isPlatformAdmin: true, at: clock.now() });
          await tenants.provision(tx, { name: input.tenant_name ?? defaultTenantName(input.email), ownerUserId: user.id });
        } else if (config.signup === 'closed') {
          throw accountErrors.signup_closed();
        } else if (invitation) {
          user = await userRepository.insert(tx, { email: input.email, passwordHash, isPlatformAdmin: false, at: clock.now() });
        } else if (config.signup === 'open') {
          user = await userRepository.insert(tx, { email: input.email, passwordHash, isPlatformAdmin: false, at: clock.now() });
          await tenants.provision(tx, { name: input.tenant_name ?? defaultTenantName(input.email), ownerUserId: user.id });
        } else {
          throw accountErrors.signup_invite_only();
        }
        if (invitation) await tenants.acceptInvitation(tx, invitation, user);
        return startSession(tx, user, client);
      });
    },

    async login(input: { email: string; password: string }, client: ClientInfo): Promise<SignedIn> {
      const user = await withSystem(db, (tx) => userRepository.findByEmail(tx, input.email));
      if (!user?.password_hash) {
        await verifyPassword(input.password, await dummyHash());
        throw accountErrors.invalid_credentials();
      }
      if (!(await verifyPassword(input.password, user.password_hash))) throw accountErrors.invalid_credentials();
      return withSystem(db, (tx) => startSession(tx, user, client));
    },

    async logout(user: SessionUser): Promise<void> {
      await withSystem(db, (tx) => sessionRepository.revoke(tx, user.userId, user.sessionId, clock.now()));
    },

    /** The signed-in user behind a session cookie, or null. */
    async resolveSession(token: string): Promise<SessionUser | null> {
      const row = await withSystem(db, (tx) => sessionRepository.findActive(tx, tokenHash(token), clock.now()));
      if (!row) return null;
      return {
        userId: row.user_id,
        email: row.email,
        isPlatformAdmin: isPlatformAdmin(row),
        sessionId: row.id,
        csrfToken: row.csrf_token,
      };
    },

    /** The user, their tenants and CSRF token (for `GET /api/me`). */
    async describe(user: SessionUser) {
      const memberships = await withSystem(db, (tx) => tenantRepository.listForUser(tx, user.userId));
      return {
        type: 'user' as const,
        user: { id: user.userId, email: user.email, is_platform_admin: user.isPlatformAdmin },
        tenants: memberships.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: t.role })),
        csrf_token: user.csrfToken,
      };
    },

    /**
     * The user's role in a tenant given by id or slug; with no reference, their
     * only tenant. Platform admins act as `admin` in tenants they do not belong to.
     */
    async tenantRole(user: SessionUser, ref: string | undefined): Promise<{ tenantId: string; role: Role } | null> {
      return withSystem(db, async (tx) => {
        const memberships = await tenantRepository.listForUser(tx, user.userId);
        if (!ref) return memberships.length === 1 ? { tenantId: memberships[0]!.id, role: memberships[0]!.role } : null;
        const mine = memberships.find((t) => t.id === ref || t.slug === ref);
        if (mine) return { tenantId: mine.id, role: mine.role };
        if (!user.isPlatformAdmin) return null;
        const tenant = await tenantRepository.findByRef(tx, ref);
        return tenant ? { tenantId: tenant.id, role: 'admin' } : null;
      });
    },

    async listSessions(user: SessionUser) {
      const rows = await withSystem(db, (tx) => sessionRepository.listForUser(tx, user.userId, clock.now()));
      return rows.map((s) => ({
        id: s.id,
        current: s.id === user.sessionId,
        created_at: s.created_at.toISOString(),
        expires_at: s.expires_at.toISOString(),
        ip: s.ip,
        user_agent: s.user_agent,
      }));
    },

    async revokeSession(user: SessionUser, id: string): Promise<void> {
      const done = await withSystem(db, (tx) => sessionRepository.revoke(tx, user.userId, id, clock.now()));
      if (!done) throw accountErrors.session_not_found();
    },

    /** Accepts an invitation for an already signed-in user. */
    async acceptInvitation(user: SessionUser, token: string) {
      await withSystem(db, async (tx) => {
        const invitation = await tenants.openInvitation(tx, token);
        await tenants.acceptInvitation(tx, invitation, { id: user.userId, email: user.email });
      });
      return this.describe(user);
    },

    /** The user TOLLGATE_DISABLE_AUTH acts as: the first platform admin. */
    async devUser(): Promise<SessionUser | null> {
      const admin = await withSystem(db, (tx) => userRepository.firstAdmin(tx));
      if (!admin) return null;
      return { userId: admin.id, email: admin.email, isPlatformAdmin: true, sessionId: '00000000-0000-0000-0000-000000000000', csrfToken: '' };
    },

    /** Creates a tenant for a signed-in user (open sign-up or platform admin). */
    async createTenant(user: SessionUser, name: string) {
      if (config.signup !== 'open' && !user.isPlatformAdmin) return null;
      return withSystem(db, (tx) => tenants.provision(tx, { name, ownerUserId: user.userId }));
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
