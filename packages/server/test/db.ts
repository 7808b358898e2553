/**
 * A clean database per test file: in-memory PGlite by default, or a freshly
 * created PostgreSQL database on the server named by TEST_DATABASE_URL
 * (dropped afterwards). If TEST_DATABASE_URL is set but unreachable, this
 * throws: a PostgreSQL run must fail loudly, never skip.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, readMigrations } from '../src/db/migrate.ts';
import { openPglite, openPgliteFrom } from '../src/db/pglite.ts';
import { sha256Hex } from '../src/lib/crypto.ts';
import { openPostgres } from '../src/db/postgres.ts';
import type { Db } from '../src/db/types.ts';

export interface TestDb {
  db: Db;
  /** Set when running on PostgreSQL: the URL of this file's own database. */
  url?: string;
  /** Opens another connection pool to the same database (a second "instance"). */
  openAnother(): Promise<Db>;
  drop(): Promise<void>;
}

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Starting PGlite and migrating it takes seconds; loading a snapshot of an
 * already migrated one takes well under one. The snapshot is keyed by the
 * migrations' checksums, so a changed migration makes a new one.
 */
async function openMigratedPglite(): Promise<Db> {
  const files = readMigrations();
  const key = sha256Hex(files.map((f) => f.checksum).join(',')).slice(0, 16);
  const path = join(tmpdir(), `tollgate-test-pglite-${key}.tar`);
  if (existsSync(path)) return openPgliteFrom(new Blob([readFileSync(path)]));
  const db = await openPglite();
  await migrate(db, files);
  const snapshot = await db.dumpSnapshot!();
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, Buffer.from(await snapshot.arrayBuffer()));
  renameSync(partial, path);
  return db;
}

export async function createTestDb(options: { migrated?: boolean } = {}): Promise<TestDb> {
  const migrated = options.migrated ?? true;
  if (!onPostgres) {
    const db = migrated ? await openMigratedPglite() : await openPglite();
    return {
      db,
      openAnother: async () => {
        throw new Error('PGlite is a single in-process database; a second instance needs TEST_DATABASE_URL');
      },
      drop: () => db.close(),
    };
  }
  const name = `tollgate_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  const db = openPostgres({ url: url.toString(), poolSize: 5 });
  if (migrated) await migrate(db);
  const others: Db[] = [];
  return {
    db,
    url: url.toString(),
    openAnother: async () => {
      const other = openPostgres({ url: url.toString(), poolSize: 5 });
      others.push(other);
      return other;
    },
    async drop() {
      await Promise.all([db, ...others].map((d) => d.close().catch(() => undefined)));
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}
