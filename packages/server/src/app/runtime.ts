/**
 * Opens everything a process needs before it can serve or run a command:
 * secrets, database (migrated when configured), change feed, metrics.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { resolveSecrets } from '../config/secrets.ts';
import { migrate, readMigrations } from '../db/migrate.ts';
import { ChangeFeed } from '../db/notify.ts';
import { describeDatabase, openDatabase } from '../db/open.ts';
import type { Db } from '../db/types.ts';
import { createMetrics } from '../http/metrics.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { AppDeps } from './services.ts';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RuntimeOptions {
  logger?: Logger;
  clock?: Clock;
  db?: Db;
  /** Apply pending migrations (default: config.migrateOnStart). */
  migrate?: boolean;
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const secrets = resolveSecrets(config, (line) => logger.warn(line));
  const db = options.db ?? (await openDatabase(config));
  logger.info(`database: ${describeDatabase(config)}`);
  const migrations = readMigrations();
  if (options.migrate ?? config.migrateOnStart) {
    const result = await migrate(db, migrations, (line) => logger.info(line));
    logger.info(`migrations: ${result.applied.length} applied, ${result.skipped} skipped`);
  }
  const changes = new ChangeFeed(db);
  await changes.start();
  return {
    config,
    db,
    clock: options.clock ?? systemClock,
    logger,
    secrets,
    metrics: createMetrics({ defaultMetrics: true }),
    changes,
    migrations,
    version: VERSION,
  };
}

export async function closeRuntime(deps: AppDeps): Promise<void> {
  await deps.changes.stop();
  await deps.db.close();
}
