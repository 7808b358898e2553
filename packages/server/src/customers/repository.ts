/** Every SQL statement about the app's customers. */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface CustomerRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  external_id: string;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  stripe_customer_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const customerRepository = {
  /** Creates or updates by external id; fields left undefined keep their value. */
  async upsert(
    tx: Queryable,
    tenantId: string,
    mode: Mode,
    c: { externalId: string; email?: string | null; name?: string | null; metadata?: Record<string, string> },
    at: Date,
  ): Promise<{ row: CustomerRow; created: boolean }> {
    const { rows } = await tx.query<CustomerRow & { created: boolean }>(
      `insert into customers (tenant_id, mode, external_id, email, name, metadata, created_at, updated_at)
       values ($1, $2, $3, $4, $5, coalesce($6::jsonb, '{}'), $7, $7)
       on conflict (tenant_id, mode, external_id) do update set
         email = case when $8 then excluded.email else customers.email end,
         name = case when $9 then excluded.name else customers.name end,
         metadata = coalesce($6::jsonb, customers.metadata),
         updated_at = excluded.updated_at
       returning *, (xmax = 0) as created`,
      [
        tenantId,
        mode,
        c.externalId,
        c.email ?? null,
        c.name ?? null,
        c.metadata ? JSON.stringify(c.metadata) : null,
        at,
        c.email !== undefined,
        c.name !== undefined,
      ],
    );
    const { created, ...row } = rows[0]!;
    return { row: row as CustomerRow, created };
  },

  async findByExternalId(tx: Queryable, tenantId: string, mode: Mode, externalId: string): Promise<CustomerRow | undefined> {
    const { rows } = await tx.query<CustomerRow>('select * from customers where tenant_id = $1 and mode = $2 and external_id = $3', [tenantId, mode, externalId]);
    return rows[0];
  },

  async findById(tx: Queryable, tenantId: string, id: string): Promise<CustomerRow | undefined> {
    const { rows } = await tx.query<CustomerRow>('select * from customers where tenant_id = $1 and id = $2', [tenantId, id]);
    return rows[0];
  },

  async findByStripeId(tx: Queryable, tenantId: string, mode: Mode, stripeCustomerId: string): Promise<CustomerRow | undefined> {
    const { rows } = await tx.query<CustomerRow>('select * from customers where tenant_id = $1 and mode = $2 and stripe_customer_id = $3', [
      tenantId,
      mode,
      stripeCustomerId,
    ]);
    return rows[0];
  },

  /** Links a Stripe customer; keeps an existing link unless `replace`. Returns the row. */
  async linkStripe(tx: Queryable, tenantId: string, id: string, stripeCustomerId: string, at: Date, replace = false): Promise<CustomerRow | undefined> {
    const { rows } = await tx.query<CustomerRow>(
      `update customers set stripe_customer_id = case when $5 or stripe_customer_id is null then $3 else stripe_customer_id end, updated_at = $4
        where tenant_id = $1 and id = $2 returning *`,
      [tenantId, id, stripeCustomerId, at, replace],
    );
    return rows[0];
  },

  async list(tx: Queryable, tenantId: string, mode: Mode, page: { limit: number; after?: string }): Promise<CustomerRow[]> {
    const { rows } = await tx.query<CustomerRow>(
      `select * from customers where tenant_id = $1 and mode = $2 and ($3::text is null or external_id > $3) order by external_id limit $4`,
      [tenantId, mode, page.after ?? null, page.limit],
    );
    return rows;
  },
};
