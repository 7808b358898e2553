/** Every read query of the ledger routes (lists with filters and cursors). Tenant id and mode are required arguments. */
import type { Queryable, Row } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface Page {
  limit: number;
  startingAfter?: string;
}

/**
 * A newest-first page of `table` where every `filters` column equals its
 * value (null values are left out). Column names come from this module only.
 */
async function page(tx: Queryable, table: string, tenantId: string, mode: Mode, filters: Record<string, unknown>, p: Page): Promise<Row[]> {
  const params: unknown[] = [tenantId, mode];
  const where = ['tenant_id = $1', 'mode = $2'];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined || value === null) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (p.startingAfter) {
    params.push(p.startingAfter);
    const n = params.length;
    where.push(
      `(coalesce(created, 'epoch'), stripe_id) < (select coalesce(created, 'epoch'), stripe_id from ${table} where tenant_id = $1 and mode = $2 and stripe_id = $${n})`,
    );
  }
  params.push(p.limit);
  const { rows } = await tx.query(
    `select * from ${table} where ${where.join(' and ')} order by coalesce(created, 'epoch') desc, stripe_id desc limit $${params.length}`,
    params,
  );
  return rows;
}

export const ledgerReads = {
  subscriptions: (tx: Queryable, tenantId: string, mode: Mode, f: { status?: string; customer?: string }, p: Page) =>
    page(tx, 'subscriptions', tenantId, mode, { status: f.status, stripe_customer_id: f.customer }, p),

  invoices: (tx: Queryable, tenantId: string, mode: Mode, f: { status?: string; customer?: string; subscription?: string }, p: Page) =>
    page(tx, 'invoices', tenantId, mode, { status: f.status, stripe_customer_id: f.customer, stripe_subscription_id: f.subscription }, p),

  disputes: (tx: Queryable, tenantId: string, mode: Mode, f: { status?: string; charge?: string }, p: Page) =>
    page(tx, 'disputes', tenantId, mode, { status: f.status, stripe_charge_id: f.charge }, p),

  fraudWarnings: (tx: Queryable, tenantId: string, mode: Mode, f: { actionable?: boolean; charge?: string }, p: Page) =>
    page(tx, 'early_fraud_warnings', tenantId, mode, { actionable: f.actionable, stripe_charge_id: f.charge }, p),

  async subscription(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<Row | undefined> {
    const { rows } = await tx.query(
      `select s.*, c.email as customer_email, c.name as customer_name, c.deleted as customer_deleted
         from subscriptions s
         left join stripe_customers c on c.tenant_id = s.tenant_id and c.mode = s.mode and c.stripe_id = s.stripe_customer_id
        where s.tenant_id = $1 and s.mode = $2 and s.stripe_id = $3`,
      [tenantId, mode, stripeId],
    );
    return rows[0];
  },

  async subscriptionItems(tx: Queryable, tenantId: string, mode: Mode, subscriptionId: string): Promise<Row[]> {
    const { rows } = await tx.query(
      'select * from subscription_items where tenant_id = $1 and mode = $2 and subscription_stripe_id = $3 and not deleted order by stripe_id',
      [tenantId, mode, subscriptionId],
    );
    return rows;
  },

  async charge(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<Row | undefined> {
    const { rows } = await tx.query('select * from charges where tenant_id = $1 and mode = $2 and stripe_id = $3', [tenantId, mode, stripeId]);
    return rows[0];
  },
};
