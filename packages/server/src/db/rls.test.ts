import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db.ts';
import { withSystem, withTenant } from './scope.ts';

describe('row-level security', () => {
  let t: TestDb;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    t = await createTestDb();
    [acme, globex] = await withSystem(t.db, async (tx) => {
      const ids: string[] = [];
      for (const slug of ['acme', 'globex']) {
        const { rows } = await tx.query<{ id: string }>('insert into tenants (name, slug) values ($1, $1) returning id', [slug]);
        const id = rows[0]!.id;
        await tx.query("insert into api_keys (tenant_id, mode, kind, token_prefix, token_hash) values ($1, 'test', 'secret', 'p', $2)", [id, `hash-${slug}`]);
        ids.push(id);
      }
      return ids as [string, string];
    });
  });
  afterAll(async () => t.drop());

  it('a transaction sees only its own tenant, even when the query forgets the filter', async () => {
    const rows = await withTenant(t.db, acme, async (tx) => (await tx.query('select tenant_id from api_keys')).rows);
    expect(rows).toEqual([{ tenant_id: acme }]);
    const tenants = await withTenant(t.db, globex, async (tx) => (await tx.query('select slug from tenants')).rows);
    expect(tenants).toEqual([{ slug: 'globex' }]);
  });

  it('with no tenant set, the application role sees no rows at all', async () => {
    const rows = await t.db.transaction(async (tx) => {
      await tx.query("select set_config('role', 'tollgate_app', true)");
      return (await tx.query('select * from api_keys')).rows;
    });
    expect(rows).toEqual([]);
  });

  it("another tenant's rows cannot be read, changed or deleted", async () => {
    await withTenant(t.db, acme, async (tx) => {
      expect((await tx.query('select * from api_keys where tenant_id = $1', [globex])).rows).toEqual([]);
      expect((await tx.query("update api_keys set name = 'pwned' where tenant_id = $1", [globex])).rowCount).toBe(0);
      expect((await tx.query('delete from api_keys where tenant_id = $1', [globex])).rowCount).toBe(0);
    });
    const names = await withSystem(t.db, async (tx) => (await tx.query('select name from api_keys where tenant_id = $1', [globex])).rows);
    expect(names).toEqual([{ name: '' }]);
  });

  it("refuses to write a row into another tenant", async () => {
    const error = await withTenant(t.db, acme, (tx) =>
      tx.query("insert into api_keys (tenant_id, mode, kind, token_prefix, token_hash) values ($1, 'test', 'secret', 'p', 'x')", [globex]),
    ).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/row-level security/);
  });

  it('the application role cannot switch RLS off or read the migration ledger', async () => {
    const bypass = await withTenant(t.db, acme, (tx) => tx.query('alter table api_keys no force row level security')).catch((e: Error) => e);
    expect((bypass as Error).message).toMatch(/must be owner|permission denied/);
    const ledger = await withTenant(t.db, acme, (tx) => tx.query('select * from tollgate_migrations')).catch((e: Error) => e);
    expect((ledger as Error).message).toMatch(/permission denied/);
  });

  // Platform tables carry a tenant_id but are one shared structure holding no
  // tenant data (the job queue: ids and pointers only).
  const PLATFORM_TABLES = new Set(['jobs']);

  it('every tenant-scoped table has forced RLS and a primary key led by tenant_id', async () => {
    const { rows } = await t.db.query<{ table_name: string; rls: boolean; forced: boolean; pk_first: string | null }>(`
      select c.relname as table_name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
             (select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
               where i.indrelid = c.oid and i.indisprimary) as pk_first
        from pg_class c join information_schema.columns col on col.table_name = c.relname and col.column_name = 'tenant_id'
       where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace`);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      if (PLATFORM_TABLES.has(row.table_name)) continue;
      expect({ table: row.table_name, rls: row.rls, forced: row.forced, pk: row.pk_first }).toEqual({
        table: row.table_name,
        rls: true,
        forced: true,
        pk: 'tenant_id',
      });
    }
  });
});
