/** `tollgate serve` (production entry point) and `tollgate dev` (the local demo). */
import type { Command } from 'commander';
import { startServer, stopOnSignals } from '../app/server.ts';
import { createLogger } from '../log/logger.ts';
import { describeDatabase } from '../db/open.ts';
import { addSettingOptions, configOrExit } from './options.ts';
import { runDemo } from './dev.ts';

async function serve(options: Record<string, unknown>, overrides: Record<string, string> = {}) {
  const config = configOrExit(options, overrides);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const server = await startServer(config, { logger });
  stopOnSignals(server, logger);
  process.stdout.write(`\nTollgate is running at ${server.url}\n  health:   ${server.url}/health\n  API docs: ${server.url}/v1/openapi.json\n  database: ${describeDatabase(config)}\n\n`);
  return server;
}

export function registerServeCommands(program: Command): void {
  addSettingOptions(
    program
      .command('serve')
      .description('Run the HTTP server. Settings come from flags, environment variables or *_FILE variants (flag wins).')
      .action(async (options: Record<string, unknown>) => {
        await serve(options);
      }),
  );
  addSettingOptions(
    program
      .command('dev')
      .description(
        'Run the offline demo: the server on an embedded database (in .tollgate/data unless DATABASE_URL is set) with the Stripe sandbox in the same process, a demo tenant, catalog and checkout link.',
      )
      .action(async (options: Record<string, unknown>) => {
        await runDemo(options);
      }),
  );
}
