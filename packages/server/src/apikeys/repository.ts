/** Every SQL statement of the API key domain. */
import type { Queryable } from '../db/types.ts';
import type { ApiKeyKind, Mode } from '../http/context.ts';

export interface ApiKeyRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  kind: ApiKeyKind;
  name: string;
  token_prefix: string;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'tenant_id, id, mode, kind, name, token_prefix, created_by, created_at, last_used_at, revoked_at';

export const apiKeyRepository = {
  async insert(
    tx: Queryable,
    tenantId: string,
    key: { mode: Mode; kind: ApiKeyKind; name: string; prefix: string; hash: string; createdBy: string | null; at: Date },
  ): Promise<ApiKeyRow> {
    const { rows } = await tx.query<ApiKeyRow>(
      `insert into api_keys (tenant_id, mode, kind, name, token_prefix, token_hash, created_by, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${COLUMNS}`,
      [tenantId, key.mode, key.kind, key.name, key.prefix, key.hash, key.createdBy, key.at],
    );
    return rows[0]!;
  },

  /** Cross-tenant lookup by hash (system scope): which tenant does this key belong to? */
  async findActiveByHash(tx: Queryable, hash: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await tx.query<ApiKeyRow>(`select ${COLUMNS} from api_keys where token_hash = $1 and revoked_at is null`, [hash], { prepared: true });
    return rows[0];
  },

  async list(tx: Queryable, tenantId: string, filter: { mode?: Mode; includeRevoked?: boolean } = {}): Promise<ApiKeyRow[]> {
    const { rows } = await tx.query<ApiKeyRow>(
      `select ${COLUMNS} from api_keys
        where tenant_id = $1 and ($2::text is null or mode = $2) and ($3 or revoked_at is null)
        order by created_at, id`,
      [tenantId, filter.mode ?? null, filter.includeRevoked ?? false],
    );
    return rows;
  },

  async revoke(tx: Queryable, tenantId: string, id: string, at: Date): Promise<ApiKeyRow | undefined> {
    const { rows } = await tx.query<ApiKeyRow>(
      `update api_keys set revoked_at = coalesce(revoked_at, $3) where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
      [tenantId, id, at],
    );
    return rows[0];
  },

  async touchLastUsed(tx: Queryable, tenantId: string, id: string, at: Date): Promise<void> {
    await tx.query('update api_keys set last_used_at = $3 where tenant_id = $1 and id = $2 and (last_used_at is null or last_used_at < $3)', [
      tenantId,
      id,
      at,
    ]);
  },
};
