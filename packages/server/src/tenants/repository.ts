/** Every SQL statement about tenants, memberships, invitations and the audit log. */
import type { Queryable } from '../db/types.ts';
import type { Role } from './roles.ts';

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  settings: Record<string, unknown>;
  created_at: Date;
}

export interface MemberRow {
  tenant_id: string;
  user_id: string;
  email: string;
  role: Role;
  created_at: Date;
}

export interface InvitationRow {
  tenant_id: string;
  id: string;
  email: string;
  role: Role;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

const INVITATION_COLUMNS = 'tenant_id, id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at';

export const tenantRepository = {
  async insert(tx: Queryable, tenant: { name: string; slug: string; at: Date }): Promise<TenantRow> {
    const { rows } = await tx.query<TenantRow>('insert into tenants (name, slug, created_at) values ($1, $2, $3) returning *', [
      tenant.name,
      tenant.slug,
      tenant.at,
    ]);
    return rows[0]!;
  },

  async slugTaken(tx: Queryable, slug: string): Promise<boolean> {
    const { rows } = await tx.query('select 1 from tenants where slug = $1', [slug]);
    return rows.length > 0;
  },

  async findById(tx: Queryable, id: string): Promise<TenantRow | undefined> {
    const { rows } = await tx.query<TenantRow>('select * from tenants where id = $1', [id]);
    return rows[0];
  },

  /** By id or slug (system scope: used to resolve a console's Tollgate-Tenant header). */
  async findByRef(tx: Queryable, ref: string): Promise<TenantRow | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
    const { rows } = await tx.query<TenantRow>(isUuid ? 'select * from tenants where id = $1' : 'select * from tenants where slug = $1', [ref]);
    return rows[0];
  },

  async updateSettings(tx: Queryable, id: string, patch: Record<string, unknown>): Promise<TenantRow | undefined> {
    const { rows } = await tx.query<TenantRow>('update tenants set settings = settings || $2::jsonb where id = $1 returning *', [
      id,
      JSON.stringify(patch),
    ]);
    return rows[0];
  },

  /** Tenants a user belongs to, with their role (system scope). */
  async listForUser(tx: Queryable, userId: string): Promise<Array<TenantRow & { role: Role }>> {
    const { rows } = await tx.query<TenantRow & { role: Role }>(
      `select t.*, m.role from memberships m join tenants t on t.id = m.tenant_id
        where m.user_id = $1 order by t.created_at, t.id`,
      [userId],
    );
    return rows;
  },

  async listAll(tx: Queryable): Promise<TenantRow[]> {
    const { rows } = await tx.query<TenantRow>('select * from tenants order by created_at, id');
    return rows;
  },
};

export const memberRepository = {
  async upsert(tx: Queryable, tenantId: string, userId: string, role: Role, at: Date): Promise<void> {
    await tx.query(
      `insert into memberships (tenant_id, user_id, role, created_at) values ($1, $2, $3, $4)
       on conflict (tenant_id, user_id) do update set role = excluded.role`,
      [tenantId, userId, role, at],
    );
  },

  async find(tx: Queryable, tenantId: string, userId: string): Promise<MemberRow | undefined> {
    const { rows } = await tx.query<MemberRow>(
      `select m.tenant_id, m.user_id, u.email, m.role, m.created_at
         from memberships m join users u on u.id = m.user_id
        where m.tenant_id = $1 and m.user_id = $2`,
      [tenantId, userId],
    );
    return rows[0];
  },

  async list(tx: Queryable, tenantId: string): Promise<MemberRow[]> {
    const { rows } = await tx.query<MemberRow>(
      `select m.tenant_id, m.user_id, u.email, m.role, m.created_at
         from memberships m join users u on u.id = m.user_id
        where m.tenant_id = $1 order by m.created_at, u.email`,
      [tenantId],
    );
    return rows;
  },

  async countOwners(tx: Queryable, tenantId: string): Promise<number> {
    const { rows } = await tx.query<{ n: number }>("select count(*)::int as n from memberships where tenant_id = $1 and role = 'owner'", [tenantId]);
    return rows[0]?.n ?? 0;
  },

  async remove(tx: Queryable, tenantId: string, userId: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from memberships where tenant_id = $1 and user_id = $2', [tenantId, userId]);
    return rowCount > 0;
  },
};

export const invitationRepository = {
  async insert(
    tx: Queryable,
    tenantId: string,
    invite: { email: string; role: Role; tokenHash: string; invitedBy: string | null; at: Date; expiresAt: Date },
  ): Promise<InvitationRow> {
    const { rows } = await tx.query<InvitationRow>(
      `insert into invitations (tenant_id, email, role, token_hash, invited_by, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7) returning ${INVITATION_COLUMNS}`,
      [tenantId, invite.email, invite.role, invite.tokenHash, invite.invitedBy, invite.at, invite.expiresAt],
    );
    return rows[0]!;
  },

  /** An open invitation by token (system scope: the invitee is not a member yet). */
  async findOpenByToken(tx: Queryable, tokenHash: string, now: Date): Promise<InvitationRow | undefined> {
    const { rows } = await tx.query<InvitationRow>(
      `select ${INVITATION_COLUMNS} from invitations
        where token_hash = $1 and accepted_at is null and revoked_at is null and expires_at > $2`,
      [tokenHash, now],
    );
    return rows[0];
  },

  async markAccepted(tx: Queryable, tenantId: string, id: string, userId: string, at: Date): Promise<void> {
    await tx.query('update invitations set accepted_at = $3, accepted_by = $4 where tenant_id = $1 and id = $2', [tenantId, id, at, userId]);
  },

  async listOpen(tx: Queryable, tenantId: string, now: Date): Promise<InvitationRow[]> {
    const { rows } = await tx.query<InvitationRow>(
      `select ${INVITATION_COLUMNS} from invitations
        where tenant_id = $1 and accepted_at is null and revoked_at is null and expires_at > $2
        order by created_at`,
      [tenantId, now],
    );
    return rows;
  },

  async revoke(tx: Queryable, tenantId: string, id: string, at: Date): Promise<boolean> {
    const { rowCount } = await tx.query(
      'update invitations set revoked_at = $3 where tenant_id = $1 and id = $2 and accepted_at is null and revoked_at is null',
      [tenantId, id, at],
    );
    return rowCount > 0;
  },
};

export const auditRepository = {
  async record(tx: Queryable, tenantId: string, entry: { actor: string; action: string; target?: string; details?: unknown; at: Date }) {
    await tx.query('insert into audit_log (tenant_id, actor, action, target, details, created_at) values ($1, $2, $3, $4, $5, $6)', [
      tenantId,
      entry.actor,
      entry.action,
      entry.target ?? null,
      JSON.stringify(entry.details ?? {}),
      entry.at,
    ]);
  },
};
