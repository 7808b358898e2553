/** SQL of the offline demo: finding the tenant it created (marked in its settings). */
import type { Queryable } from '../db/types.ts';

export const demoRepository = {
  /** The demo tenant, if this database has one (system scope). */
  async findDemoTenant(tx: Queryable): Promise<{ id: string; slug: string; name: string } | undefined> {
    const { rows } = await tx.query<{ id: string; slug: string; name: string }>(
      "select id, slug, name from tenants where settings->>'demo' = 'true' order by created_at limit 1",
    );
    return rows[0];
  },
};
