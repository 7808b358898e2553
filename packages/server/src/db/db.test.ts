/**
 * The Db interface on either database: statements issued together inside a
 * transaction, and many LISTEN subscriptions made at once (as at start-up),
 * all work, and no pg connection is ever sent a query while another is
 * running (pg deprecates that and pg 9 refuses it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, onPostgres, type TestDb } from '../../test/db.ts';
import { openPostgres } from './postgres.ts';
import { withSystem } from './scope.ts';

describe('the database interface', () => {
  let t: TestDb;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  beforeAll(async () => {
    t = await createTestDb();
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await t.drop();
  });

  const overlapping = () => warnings.filter((w) => w.includes('already executing a query'));

  it('runs statements issued together in one transaction one at a time, in order', async () => {
    const values = await withSystem(t.db, (tx) =>
      Promise.all([1, 2, 3, 4, 5].map(async (n) => (await tx.query<{ n: number }>('select $1::int as n, pg_sleep(0.01)', [n])).rows[0]!.n)),
    );
    expect(values).toEqual([1, 2, 3, 4, 5]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(overlapping()).toEqual([]);
  });

  it('a statement still queued when the transaction fails runs inside it (and fails), never after the rollback', async () => {
    await t.db.exec('create table probe_rows (n int); grant select, insert on probe_rows to tollgate_app');
    const failing = withSystem(t.db, async (tx) => {
      void tx.query('select pg_sleep(0.05)');
      void tx.query('insert into probe_rows values (1)').catch(() => undefined);
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await t.db.query<{ n: number }>('select count(*)::int as n from probe_rows')).rows[0]!.n).toBe(0);
  });

  it('prepares a hot statement once per connection and reuses it; with prepared statements off it prepares nothing', async () => {
    const sql = 'select $1::int + 1 as n';
    const prepared = (db: typeof t.db) =>
      withSystem(db, async (tx) => {
        const answers = [];
        for (const n of [1, 2, 3]) answers.push((await tx.query<{ n: number }>(sql, [n], { prepared: true })).rows[0]!.n);
        const held = (await tx.query<{ count: number }>('select count(*)::int as count from pg_prepared_statements where statement = $1', [sql])).rows[0]!.count;
        return { answers, held };
      });
    const on = await prepared(t.db);
    expect(on.answers).toEqual([2, 3, 4]);
    if (!onPostgres) return; // PGlite has no per-connection prepared statements: the answers are what matters there
    expect(on.held).toBe(1);
    const plain = openPostgres({ url: t.url!, poolSize: 1, preparedStatements: false });
    try {
      expect(await prepared(plain)).toEqual({ answers: [2, 3, 4], held: 0 });
    } finally {
      await plain.close();
    }
  });

  it('subscriptions made concurrently each receive their own channel’s messages', async () => {
    const channels = Array.from({ length: 6 }, (_, i) => `tollgate_test_${i}`);
    const received = new Map<string, string[]>();
    await Promise.all(channels.map((c) => t.db.listen(c, (payload) => received.set(c, [...(received.get(c) ?? []), payload]))));
    for (const [i, c] of channels.entries()) await t.db.query('select pg_notify($1, $2)', [c, `m${i}`]);
    await expect.poll(() => channels.map((c) => received.get(c)?.join(',')), { timeout: 5_000 }).toEqual(channels.map((_, i) => `m${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(overlapping()).toEqual([]);
  });
});
