/** Every SQL statement about users and console sessions (platform-wide tables). */
import type { Queryable } from '../db/types.ts';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string | null;
  is_platform_admin: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

/** Serializes "is this the first user?" across processes. */
const FIRST_USER_LOCK = 0x746f6c6c75736572n;

export const userRepository = {
  async lockForSignup(tx: Queryable): Promise<void> {
    await tx.query('select pg_advisory_xact_lock($1)', [FIRST_USER_LOCK.toString()]);
  },

  async count(tx: Queryable): Promise<number> {
    const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from users');
    return rows[0]?.n ?? 0;
  },

  async findByEmail(tx: Queryable, email: string): Promise<UserRow | undefined> {
    const { rows } = await tx.query<UserRow>('select * from users where lower(email) = lower($1)', [email]);
    return rows[0];
  },

  async findById(tx: Queryable, id: string): Promise<UserRow | undefined> {
    const { rows } = await tx.query<UserRow>('select * from users where id = $1', [id]);
    return rows[0];
  },

  async firstAdmin(tx: Queryable): Promise<UserRow | undefined> {
    const { rows } = await tx.query<UserRow>('select * from users where is_platform_admin order by created_at, id limit 1');
    return rows[0];
  },

  async insert(tx: Queryable, user: { email: string; passwordHash: string | null; isPlatformAdmin: boolean; at: Date }): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      'insert into users (email, password_hash, is_platform_admin, created_at) values ($1, $2, $3, $4) returning *',
      [user.email, user.passwordHash, user.isPlatformAdmin, user.at],
    );
    return rows[0]!;
  },

  async setPassword(tx: Queryable, id: string, passwordHash: string): Promise<void> {
    await tx.query('update users set password_hash = $2 where id = $1', [id, passwordHash]);
  },

  async touchLogin(tx: Queryable, id: string, at: Date): Promise<void> {
    await tx.query('update users set last_login_at = $2 where id = $1', [id, at]);
  },
};

export const sessionRepository = {
  async insert(
    tx: Queryable,
    session: { userId: string; tokenHash: string; csrfToken: string; at: Date; expiresAt: Date; ip: string | null; userAgent: string | null },
  ): Promise<SessionRow> {
    const { rows } = await tx.query<SessionRow>(
      `insert into sessions (user_id, token_hash, csrf_token, created_at, expires_at, ip, user_agent)
       values ($1, $2, $3, $4, $5, $6, $7)
       returning id, user_id, csrf_token, created_at, expires_at, revoked_at, ip, user_agent`,
      [session.userId, session.tokenHash, session.csrfToken, session.at, session.expiresAt, session.ip, session.userAgent],
    );
    return rows[0]!;
  },

  async findActive(tx: Queryable, tokenHash: string, now: Date): Promise<(SessionRow & { email: string; is_platform_admin: boolean }) | undefined> {
    const { rows } = await tx.query<SessionRow & { email: string; is_platform_admin: boolean }>(
      `select s.id, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.revoked_at, s.ip, s.user_agent, u.email, u.is_platform_admin
         from sessions s join users u on u.id = s.user_id
        where s.token_hash = $1 and s.revoked_at is null and s.expires_at > $2`,
      [tokenHash, now],
    );
    return rows[0];
  },

  async listForUser(tx: Queryable, userId: string, now: Date): Promise<SessionRow[]> {
    const { rows } = await tx.query<SessionRow>(
      `select id, user_id, csrf_token, created_at, expires_at, revoked_at, ip, user_agent from sessions
        where user_id = $1 and revoked_at is null and expires_at > $2 order by created_at desc`,
      [userId, now],
    );
    return rows;
  },

  async revoke(tx: Queryable, userId: string, id: string, at: Date): Promise<boolean> {
    const { rowCount } = await tx.query('update sessions set revoked_at = $3 where user_id = $1 and id = $2 and revoked_at is null', [
      userId,
      id,
      at,
    ]);
    return rowCount > 0;
  },
};
