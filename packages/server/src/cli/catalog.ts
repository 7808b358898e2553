/** `tollgate catalog import`: adopt an existing Stripe catalog into Tollgate. */
import type { Command } from 'commander';
import { closeRuntime, openRuntime } from '../app/runtime.ts';
import { createServices } from '../app/services.ts';
import { AppError } from '../http/errors.ts';
import { createCliLogger } from '../log/logger.ts';
import { tenantRepository } from '../tenants/repository.ts';
import { addSettingOptions, configOrExit } from './options.ts';

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('Work with a tenant’s catalog.');
  addSettingOptions(
    catalog
      .command('import')
      .description("Adopt every product and price of the tenant's connected Stripe account into Tollgate (nothing new is created in Stripe).")
      .requiredOption('--tenant <slug>', 'tenant slug or id')
      .option('--mode <mode>', 'test or live', 'test')
      .option('--json', 'print JSON')
      .action(async (options: Record<string, unknown>) => {
        const config = configOrExit(options);
        const mode = options.mode;
        if (mode !== 'test' && mode !== 'live') {
          process.stderr.write('tollgate catalog import: --mode must be test or live\n');
          process.exit(2);
        }
        const deps = await openRuntime(config, { logger: createCliLogger() });
        try {
          const s = createServices(deps);
          const tenant = await s.inSystem((tx) => tenantRepository.findByRef(tx, String(options.tenant)));
          if (!tenant) {
            process.stderr.write(`tollgate catalog import: no tenant "${String(options.tenant)}"\n`);
            process.exitCode = 1;
            return;
          }
          const result = await s.catalog.importFromStripe(tenant.id, mode);
          // Tag the adopted objects in Stripe now rather than waiting for a server's worker.
          await s.jobs.drain({ queues: ['catalog.sync'] });
          const status = await s.inTenant(tenant.id, (tx) => s.catalog.syncStatus(tx, tenant.id, { mode }));
          const failed = status.filter((e) => e.status === 'error');
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ tenant: tenant.slug, mode, ...result, sync_errors: failed.length }, null, 2)}\n`);
          } else {
            process.stdout.write(
              `Imported into ${tenant.slug} (${mode}): ${result.products} product(s), ${result.prices} price(s); ${result.skipped} already managed.\n` +
                (failed.length ? `${failed.length} object(s) failed to sync; see GET /v1/catalog/sync\n` : ''),
            );
          }
        } catch (err) {
          if (err instanceof AppError) {
            process.stderr.write(`tollgate catalog import: ${err.message}\n`);
            process.exitCode = 1;
          } else throw err;
        } finally {
          await closeRuntime(deps);
        }
      }),
    ['storage', 'security', 'stripe'],
  );
}
