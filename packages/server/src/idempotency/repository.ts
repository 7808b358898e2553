/** Every SQL statement about idempotency keys. Tenant id is a required argument of each, but for the purge (system scope). */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface IdempotencyRow {
  fingerprint: string;
  status_code: number | null;
  response: unknown;
  created_at: Date;
}

export const idempotencyRepository = {
  /**
   * Claims `key` for a new request. A row older than `staleBefore` (an
   * expired key, or a first request that never finished) is taken over.
   * Returns true when this call holds the key; false when another row stands.
   */
  async claim(tx: Queryable, tenantId: string, mode: Mode, key: string, fingerprint: string, now: Date, staleBefore: { done: Date; running: Date }): Promise<boolean> {
    const { rowCount } = await tx.query(
      `insert into idempotency_keys (tenant_id, mode, key, fingerprint, created_at) values ($1, $2, $3, $4, $5)
       on conflict (tenant_id, mode, key) do update set fingerprint = excluded.fingerprint, status_code = null, response = null, created_at = excluded.created_at
        where (idempotency_keys.status_code is not null and idempotency_keys.created_at < $6)
           or (idempotency_keys.status_code is null and idempotency_keys.created_at < $7)`,
      [tenantId, mode, key, fingerprint, now, staleBefore.done, staleBefore.running],
    );
    return rowCount > 0;
  },

  async find(tx: Queryable, tenantId: string, mode: Mode, key: string): Promise<IdempotencyRow | undefined> {
    const { rows } = await tx.query<IdempotencyRow>('select fingerprint, status_code, response, created_at from idempotency_keys where tenant_id = $1 and mode = $2 and key = $3', [
      tenantId,
      mode,
      key,
    ]);
    return rows[0];
  },

  async complete(tx: Queryable, tenantId: string, mode: Mode, key: string, statusCode: number, response: unknown): Promise<void> {
    await tx.query('update idempotency_keys set status_code = $4, response = $5 where tenant_id = $1 and mode = $2 and key = $3', [
      tenantId,
      mode,
      key,
      statusCode,
      JSON.stringify(response ?? null),
    ]);
  },

  async release(tx: Queryable, tenantId: string, mode: Mode, key: string): Promise<void> {
    await tx.query('delete from idempotency_keys where tenant_id = $1 and mode = $2 and key = $3 and status_code is null', [tenantId, mode, key]);
  },

  /** Forgets every key older than `before`, in every tenant (system scope: the purge job). */
  async purge(tx: Queryable, before: Date): Promise<number> {
    const { rowCount } = await tx.query('delete from idempotency_keys where created_at < $1', [before]);
    return rowCount;
  },
};
