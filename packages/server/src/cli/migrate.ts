/** `tollgate migrate` and `tollgate migrate status`. */
import type { Command } from 'commander';
import { migrate, MigrationError, migrationStatus } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { addSettingOptions, configOrExit } from './options.ts';

export function registerMigrateCommands(program: Command): void {
  const command = addSettingOptions(
    program
      .command('migrate')
      .description('Apply pending database migrations (safe to run from several places at once).')
      .action(async (options: Record<string, unknown>) => {
        const config = configOrExit(options);
        const db = await openDatabase(config);
        try {
          const result = await migrate(db, undefined, (line) => process.stdout.write(`${line}\n`));
          process.stdout.write(`migrations: ${result.applied.length} applied, ${result.skipped} skipped\n`);
        } catch (err) {
          if (err instanceof MigrationError) {
            process.stderr.write(`tollgate migrate: ${err.message}\n`);
            process.exitCode = 1;
          } else throw err;
        } finally {
          await db.close();
        }
      }),
    ['storage'],
  );
  addSettingOptions(
    command
      .command('status')
      .description('List every migration with its state and applied time.')
      .action(async (_: unknown, sub: Command) => {
        const config = configOrExit(sub.optsWithGlobals());
        const db = await openDatabase(config);
        try {
          const rows = await migrationStatus(db);
          const width = Math.max(...rows.map((r) => r.version.length), 7);
          process.stdout.write(`${'VERSION'.padEnd(width)}  STATE         APPLIED AT\n`);
          for (const row of rows) {
            process.stdout.write(`${row.version.padEnd(width)}  ${row.state.padEnd(12)}  ${row.applied_at ? row.applied_at.toISOString() : '-'}\n`);
          }
          const pending = rows.filter((r) => r.state === 'pending').length;
          process.stdout.write(`\n${rows.length - pending} applied, ${pending} pending\n`);
        } finally {
          await db.close();
        }
      }),
    ['storage'],
  );
}
