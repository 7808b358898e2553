/**
 * LISTEN/NOTIFY under the Db interface: many subscriptions made at once (as
 * at start-up) all receive their messages, and the PostgreSQL listener never
 * sends its connection a query while another is running (pg deprecates
 * that and pg 9 refuses it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db.ts';

describe('notifications', () => {
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

  it('subscriptions made concurrently each receive their own channel’s messages', async () => {
    const channels = Array.from({ length: 6 }, (_, i) => `tollgate_test_${i}`);
    const received = new Map<string, string[]>();
    await Promise.all(channels.map((c) => t.db.listen(c, (payload) => received.set(c, [...(received.get(c) ?? []), payload]))));
    for (const [i, c] of channels.entries()) await t.db.query('select pg_notify($1, $2)', [c, `m${i}`]);
    await expect.poll(() => channels.map((c) => received.get(c)?.join(',')), { timeout: 5_000 }).toEqual(channels.map((_, i) => `m${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
  });
});
