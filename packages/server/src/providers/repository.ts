/** Every SQL statement about provider connections and Stripe webhook endpoints. */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface ConnectionRow {
  tenant_id: string;
  mode: Mode;
  provider: 'stripe';
  method: 'api_key' | 'oauth';
  key_kind: 'secret' | 'restricted' | 'oauth';
  secret_sealed: string;
  key_last4: string;
  account_id: string | null;
  account_name: string | null;
  status: 'connected' | 'error';
  status_detail: string | null;
  connected_at: Date;
  updated_at: Date;
}

export interface EndpointRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  source: 'registered' | 'manual';
  stripe_endpoint_id: string | null;
  url: string;
  secret_sealed: string;
  enabled_events: string[];
  status: 'active' | 'disabled';
  created_at: Date;
  updated_at: Date;
}

export const connectionRepository = {
  async upsert(tx: Queryable, row: Omit<ConnectionRow, 'provider' | 'status_detail'> & { status_detail?: string | null }): Promise<ConnectionRow> {
    const { rows } = await tx.query<ConnectionRow>(
      `insert into provider_connections (tenant_id, mode, provider, method, key_kind, secret_sealed, key_last4, account_id, account_name,
                                         status, status_detail, connected_at, updated_at)
       values ($1, $2, 'stripe', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       on conflict (tenant_id, mode, provider) do update set
         method = excluded.method, key_kind = excluded.key_kind, secret_sealed = excluded.secret_sealed, key_last4 = excluded.key_last4,
         account_id = excluded.account_id, account_name = excluded.account_name, status = excluded.status,
         status_detail = excluded.status_detail, connected_at = excluded.connected_at, updated_at = excluded.updated_at
       returning *`,
      [
        row.tenant_id,
        row.mode,
        row.method,
        row.key_kind,
        row.secret_sealed,
        row.key_last4,
        row.account_id,
        row.account_name,
        row.status,
        row.status_detail ?? null,
        row.connected_at,
        row.updated_at,
      ],
    );
    return rows[0]!;
  },

  async find(tx: Queryable, tenantId: string, mode: Mode): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<ConnectionRow>("select * from provider_connections where tenant_id = $1 and mode = $2 and provider = 'stripe'", [
      tenantId,
      mode,
    ]);
    return rows[0];
  },

  async list(tx: Queryable, tenantId: string): Promise<ConnectionRow[]> {
    const { rows } = await tx.query<ConnectionRow>('select * from provider_connections where tenant_id = $1 order by mode', [tenantId]);
    return rows;
  },

  async remove(tx: Queryable, tenantId: string, mode: Mode): Promise<ConnectionRow | undefined> {
    const { rows } = await tx.query<ConnectionRow>(
      "delete from provider_connections where tenant_id = $1 and mode = $2 and provider = 'stripe' returning *",
      [tenantId, mode],
    );
    return rows[0];
  },

  async setStatus(tx: Queryable, tenantId: string, mode: Mode, status: 'connected' | 'error', detail: string | null, at: Date): Promise<void> {
    await tx.query('update provider_connections set status = $3, status_detail = $4, updated_at = $5 where tenant_id = $1 and mode = $2', [
      tenantId,
      mode,
      status,
      detail,
      at,
    ]);
  },
};

export const endpointRepository = {
  async findActive(tx: Queryable, tenantId: string, mode: Mode): Promise<EndpointRow | undefined> {
    const { rows } = await tx.query<EndpointRow>("select * from stripe_webhook_endpoints where tenant_id = $1 and mode = $2 and status = 'active'", [
      tenantId,
      mode,
    ]);
    return rows[0];
  },

  /** Cross-tenant lookup by the id in the webhook URL (system scope). */
  async findById(tx: Queryable, id: string): Promise<EndpointRow | undefined> {
    const { rows } = await tx.query<EndpointRow>('select * from stripe_webhook_endpoints where id = $1', [id]);
    return rows[0];
  },

  /** Creates the active endpoint row of a tenant and mode (its id makes the URL), or returns the existing one. */
  async ensure(tx: Queryable, tenantId: string, mode: Mode, build: (id: string) => { url: string }, at: Date): Promise<EndpointRow> {
    const existing = await this.findActive(tx, tenantId, mode);
    if (existing) return existing;
    const { rows: ids } = await tx.query<{ id: string }>('select gen_random_uuid() as id');
    const id = ids[0]!.id;
    const { rows } = await tx.query<EndpointRow>(
      `insert into stripe_webhook_endpoints (tenant_id, id, mode, source, url, secret_sealed, created_at, updated_at)
       values ($1, $2, $3, 'registered', $4, '', $5, $5) returning *`,
      [tenantId, id, mode, build(id).url, at],
    );
    return rows[0]!;
  },

  async update(
    tx: Queryable,
    tenantId: string,
    id: string,
    patch: { source: 'registered' | 'manual'; stripeEndpointId: string | null; secretSealed: string; enabledEvents: readonly string[] },
    at: Date,
  ): Promise<EndpointRow> {
    const { rows } = await tx.query<EndpointRow>(
      `update stripe_webhook_endpoints set source = $3, stripe_endpoint_id = $4, secret_sealed = $5, enabled_events = $6, updated_at = $7
        where tenant_id = $1 and id = $2 returning *`,
      [tenantId, id, patch.source, patch.stripeEndpointId, patch.secretSealed, patch.enabledEvents, at],
    );
    return rows[0]!;
  },

  async disable(tx: Queryable, tenantId: string, mode: Mode, at: Date): Promise<EndpointRow | undefined> {
    const { rows } = await tx.query<EndpointRow>(
      "update stripe_webhook_endpoints set status = 'disabled', updated_at = $3 where tenant_id = $1 and mode = $2 and status = 'active' returning *",
      [tenantId, mode, at],
    );
    return rows[0];
  },
};
