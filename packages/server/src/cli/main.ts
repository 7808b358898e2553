/**
 * `tollgate` command line: serve, dev, migrate, tenant create, keys generate,
 * docs config, sandbox. Every command reads settings the same way as the server.
 */
import { Command } from 'commander';
import { VERSION } from '../app/server.ts';
import { registerDocsCommands } from './docs.ts';
import { registerKeysCommands } from './keys.ts';
import { registerMigrateCommands } from './migrate.ts';
import { registerServeCommands } from './serve.ts';
import { registerTenantCommands } from './tenant.ts';
import { registerCatalogCommands } from './catalog.ts';
import { registerSandboxCommands } from './sandbox.ts';

export function buildCli(): Command {
  const program = new Command('tollgate')
    .description('Tollgate: billing and entitlements control plane for apps that sell subscriptions through Stripe.')
    .version(VERSION)
    .showHelpAfterError();
  registerServeCommands(program);
  registerMigrateCommands(program);
  registerTenantCommands(program);
  registerKeysCommands(program);
  registerCatalogCommands(program);
  registerSandboxCommands(program);
  registerDocsCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`tollgate: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
