/**
 * The migration ledger. Migrations are plain numbered SQL files applied in
 * lexical order, each in one transaction together with its ledger row, under a
 * session advisory lock so concurrent starters never race. An applied file that
 * was edited afterwards is refused by checksum.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sha256Hex } from '../lib/crypto.ts';
import type { Db, Queryable } from './types.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant: "tollgate" in ASCII, fits a bigint. */
const LOCK_KEY = 0x746f6c6c67617465n;

export interface MigrationFile {
  version: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface AppliedMigration {
  version: string;
  checksum: string;
  applied_at: Date;
}

export class MigrationError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: file.replace(/\.sql$/, ''), file, sql, checksum: sha256Hex(sql.replace(/\r\n/g, '\n')) };
    });
}

const LEDGER_DDL = `create table if not exists tollgate_migrations (
  version text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
)`;

async function ledgerExists(conn: Queryable): Promise<boolean> {
  const { rows } = await conn.query<{ present: boolean }>("select to_regclass('tollgate_migrations') is not null as present");
  return rows[0]?.present ?? false;
}

export async function appliedMigrations(conn: Queryable): Promise<AppliedMigration[]> {
  if (!(await ledgerExists(conn))) return [];
  const { rows } = await conn.query<AppliedMigration>('select version, checksum, applied_at from tollgate_migrations order by version');
  return rows;
}

function verifyChecksums(files: MigrationFile[], applied: AppliedMigration[]): void {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (file && file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${file.file} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in the ledger, ${file.checksum.slice(0, 12)}… on disk). ` +
          'Restore the original file and add a new numbered migration for the change.',
        file.file,
      );
    }
  }
}

export interface MigrateResult {
  applied: string[];
  skipped: number;
}

/** Applies every pending migration; safe to call from several processes at once. */
export async function migrate(db: Db, files = readMigrations(), log: (line: string) => void = () => undefined): Promise<MigrateResult> {
  return db.session(async (conn) => {
    await conn.query('select pg_advisory_lock($1)', [LOCK_KEY.toString()]);
    try {
      await conn.exec(LEDGER_DDL);
      const applied = await appliedMigrations(conn);
      verifyChecksums(files, applied);
      const done = new Set(applied.map((a) => a.version));
      const result: MigrateResult = { applied: [], skipped: 0 };
      for (const file of files) {
        if (done.has(file.version)) {
          result.skipped++;
          continue;
        }
        log(`apply ${file.version}`);
        await conn.exec('begin');
        try {
          await conn.exec(file.sql);
          await conn.query('insert into tollgate_migrations (version, checksum) values ($1, $2)', [file.version, file.checksum]);
          await conn.exec('commit');
        } catch (err) {
          await conn.exec('rollback').catch(() => undefined);
          throw new MigrationError(`migration ${file.file} failed and was rolled back: ${(err as Error).message}`, file.file);
        }
        result.applied.push(file.version);
      }
      return result;
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [LOCK_KEY.toString()]).catch(() => undefined);
    }
  });
}

export interface MigrationStatus {
  version: string;
  state: 'applied' | 'pending' | 'edited' | 'missing-file';
  applied_at: Date | null;
}

/** Every known version with its state; `missing-file` is in the ledger but not on disk (a newer release ran here). */
export async function migrationStatus(db: Db, files = readMigrations()): Promise<MigrationStatus[]> {
  const applied = await appliedMigrations(db);
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const rows: MigrationStatus[] = files.map((file) => {
    const row = byVersion.get(file.version);
    if (!row) return { version: file.version, state: 'pending', applied_at: null };
    return { version: file.version, state: row.checksum === file.checksum ? 'applied' : 'edited', applied_at: row.applied_at };
  });
  const onDisk = new Set(files.map((f) => f.version));
  for (const row of applied) {
    if (!onDisk.has(row.version)) rows.push({ version: row.version, state: 'missing-file', applied_at: row.applied_at });
  }
  return rows.sort((a, b) => a.version.localeCompare(b.version));
}

/** Versions on disk that are not in the ledger yet. */
export async function pendingMigrations(db: Queryable, files: MigrationFile[]): Promise<string[]> {
  const applied = new Set((await appliedMigrations(db)).map((a) => a.version));
  return files.filter((f) => !applied.has(f.version)).map((f) => f.version);
}
