/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Db } from './types.ts';

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'dbPreparedStatements'>): Promise<Db> {
  if (config.databaseUrl) return openPostgres({ url: config.databaseUrl, poolSize: config.dbPoolSize, preparedStatements: config.dbPreparedStatements });
  if (config.dataDir === ':memory:') return openPglite();
  const dir = resolve(config.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return openPglite(dir);
}

/** Where the data lives, for humans (never includes a password). */
export function describeDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
  }
  if (config.dataDir === ':memory:') return 'embedded PGlite in memory (data is lost on exit)';
  return `embedded PGlite in ${resolve(config.dataDir, 'pglite')} (for trying and developing; use DATABASE_URL in production)`;
}
