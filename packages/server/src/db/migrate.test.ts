import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, onPostgres, type TestDb } from '../../test/db.ts';
import { migrate, MigrationError, migrationStatus, readMigrations, type MigrationFile } from './migrate.ts';
import { sha256Hex } from '../lib/crypto.ts';

function file(version: string, sql: string): MigrationFile {
  return { version, file: `${version}.sql`, sql, checksum: sha256Hex(sql) };
}

const A = file('001_a', 'create table a_items (id int primary key);');
const B = file('002_b', 'create table b_items (id int primary key); insert into b_items values (1);');

describe('migrations', () => {
  let t: TestDb;
  afterEach(async () => t?.drop());

  it('applies pending files in order, then skips them on the next run', async () => {
    t = await createTestDb({ migrated: false });
    const lines: string[] = [];
    expect(await migrate(t.db, [A, B], (l) => lines.push(l))).toEqual({ applied: ['001_a', '002_b'], skipped: 0 });
    expect(lines).toEqual(['apply 001_a', 'apply 002_b']);
    expect(await migrate(t.db, [A, B])).toEqual({ applied: [], skipped: 2 });
    const status = await migrationStatus(t.db, [A, B, file('003_c', 'select 1;')]);
    expect(status.map((s) => [s.version, s.state])).toEqual([
      ['001_a', 'applied'],
      ['002_b', 'applied'],
      ['003_c', 'pending'],
    ]);
    expect(status[0]!.applied_at).toBeInstanceOf(Date);
  });

  it('refuses a file edited after it was applied, naming the file', async () => {
    t = await createTestDb({ migrated: false });
    await migrate(t.db, [A]);
    const edited = file('001_a', 'create table a_items (id bigint primary key);');
    const error = await migrate(t.db, [edited, B]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toContain('001_a.sql was edited after it was applied');
    expect((error as MigrationError).file).toBe('001_a.sql');
    // Nothing after the refusal ran.
    const { rows } = await t.db.query("select to_regclass('b_items') is null as absent");
    expect(rows[0]!.absent).toBe(true);
  });

  it('rolls a failing file back completely: no ledger row, no partial change', async () => {
    t = await createTestDb({ migrated: false });
    const broken = file('002_broken', 'create table half_done (id int); select * from no_such_table;');
    const error = await migrate(t.db, [A, broken]).catch((e: unknown) => e);
    expect((error as MigrationError).message).toContain('002_broken.sql failed and was rolled back');
    const { rows } = await t.db.query("select to_regclass('half_done') is null as absent");
    expect(rows[0]!.absent).toBe(true);
    const status = await migrationStatus(t.db, [A, broken]);
    expect(status.map((s) => s.state)).toEqual(['applied', 'pending']);
    // Fixing the file lets the next run apply it.
    expect((await migrate(t.db, [A, file('002_broken', 'create table half_done (id int);')])).applied).toEqual(['002_broken']);
  });

  it('applies each migration exactly once when two processes migrate at the same time', async () => {
    t = await createTestDb({ migrated: false });
    const counter = file('001_counter', 'create table runs (n int); insert into runs values (1);');
    const second = file('002_more', 'insert into runs values (2);');
    // On PostgreSQL these are two separate connection pools (two "processes"); PGlite has one connection.
    const other = onPostgres ? await t.openAnother() : t.db;
    const results = await Promise.all([migrate(t.db, [counter, second]), migrate(other, [counter, second])]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 2]);
    const { rows } = await t.db.query<{ n: number }>('select n from runs order by n');
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
    const ledger = await t.db.query('select version from tollgate_migrations');
    expect(ledger.rowCount).toBe(2);
  });

  it('the shipped migrations apply cleanly and are recorded with checksums', async () => {
    t = await createTestDb({ migrated: false });
    const files = readMigrations();
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((f) => f.file)).toEqual([...files.map((f) => f.file)].sort());
    const result = await migrate(t.db, files);
    expect(result.applied).toHaveLength(files.length);
    const status = await migrationStatus(t.db, files);
    expect(status.every((s) => s.state === 'applied')).toBe(true);
  });
});
