/**
 * `npm run bench -- catalog [--products 200] [--prices-per-product 3] [--concurrency 4]`
 *
 * Time to sync a 200-product, 600-price catalog into the Stripe sandbox through
 * Tollgate's queue (Postgres → job → Stripe SDK → sandbox → Postgres), next to
 * the sandbox's own rate for the same 800 creates sent straight from the SDK
 * at the same concurrency, measured in the same run. Uses PostgreSQL when
 * DATABASE_URL is set, embedded PGlite otherwise.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { startSandbox } from '@tollgate/stripe-sandbox';
import { buildApp } from '../src/app/app.ts';
import { closeRuntime, openRuntime } from '../src/app/runtime.ts';
import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/log/logger.ts';
import { newWebhookSecret } from '../src/providers/stripe/fixtures.ts';
import { printComparison } from './_report.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function main(args: string[]): Promise<void> {
  const productCount = arg(args, 'products', 200);
  const perProduct = arg(args, 'prices-per-product', 3);
  const concurrency = arg(args, 'concurrency', 4);
  const sandbox = await startSandbox({ port: 0 });
  const intervals = ['month', 'year', 'week'] as const;

  // Baseline: the same creates straight from the SDK.
  const direct = new Stripe(`sk_test_${randomBytes(8).toString('hex')}`, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
  const baseStart = performance.now();
  const productIds: string[] = [];
  await pool([...Array(productCount).keys()], concurrency, async (i) => {
    productIds[i] = (await direct.products.create({ name: `Product ${i}`, metadata: { n: String(i) } })).id;
  });
  await pool([...Array(productCount * perProduct).keys()], concurrency, async (j) => {
    const i = Math.floor(j / perProduct);
    await direct.prices.create({ product: productIds[i]!, currency: 'usd', unit_amount: 100 + j, recurring: { interval: intervals[j % perProduct]! }, lookup_key: `b${i}.${j}` });
  });
  const baseSeconds = (performance.now() - baseStart) / 1000;

  // Tollgate: build the catalog, connect, and let the workers sync it.
  const config = loadConfig({
    env: {
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { TOLLGATE_DATA_DIR: ':memory:' }),
      TOLLGATE_STRIPE_API_BASE: sandbox.url,
      TOLLGATE_WORKER_CONCURRENCY: String(concurrency),
      LOG_LEVEL: 'silent',
    },
  });
  const deps = await openRuntime(config, { logger: createLogger({ level: 'silent' }), migrate: true });
  const { app, services: s } = buildApp(deps);
  await app.ready();
  const tenant = await s.inSystem(async (tx) => {
    const user = (await tx.query<{ id: string }>("insert into users (email, is_platform_admin, created_at) values ($1, false, now()) returning id", [`bench-${randomBytes(4).toString('hex')}@x.test`])).rows[0]!;
    return s.tenants.provision(tx, { name: `bench ${randomBytes(3).toString('hex')}`, ownerUserId: user.id });
  });
  const scope = { tenantId: tenant.tenant.id, mode: 'test' as const, actor: { type: 'system' as const, name: 'bench' } };
  await s.inTenant(scope.tenantId, async (tx) => {
    await s.catalog.createFeature(tx, scope, { key: 'seats', name: 'Seats', type: 'limit' });
    for (let i = 0; i < productCount; i++) {
      await s.catalog.createProduct(tx, scope, { key: `p${i}`, name: `Product ${i}`, features: [{ feature: 'seats', value: i }] });
      for (let k = 0; k < perProduct; k++) {
        await s.catalog.createPrice(tx, scope, { key: `p${i}.${k}`, product: `p${i}`, currency: 'usd', unit_amount: 100 + k, interval: intervals[k]! });
      }
    }
  });
  const start = performance.now();
  // A pasted endpoint secret, so no endpoint is registered: the sandbox (in this process) then spends
  // nothing on delivering the resulting events, which is Stripe's work, not ours.
  await s.providers.connect(scope, 'test', { secret_key: `sk_test_${randomBytes(8).toString('hex')}`, webhook_secret: newWebhookSecret() });
  await s.jobs.start();
  const total = productCount * (1 + perProduct);
  for (;;) {
    const counts = await s.inTenant(scope.tenantId, async (tx) =>
      (await tx.query<{ synced: number; failed: number }>(
        "select count(*) filter (where status = 'synced')::int as synced, count(*) filter (where status = 'error')::int as failed from catalog_sync where tenant_id = $1 and mode = 'test'",
        [scope.tenantId],
      )).rows[0]!,
    );
    if (counts.failed) throw new Error('a sync failed: see GET /v1/catalog/sync');
    if (counts.synced === total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - start) / 1000;
  await s.jobs.stop();
  await app.close();
  await closeRuntime(deps);
  await sandbox.stop();

  printComparison(
    `catalog sync: ${productCount} products + ${productCount * perProduct} prices into the sandbox (${deps.db.kind}, concurrency ${concurrency})`,
    [
      {
        name: 'objects per second (higher is better)',
        ours: [{ label: 'tollgate sync', value: total / seconds, unit: 'obj/s' }],
        baseline: [{ label: 'direct SDK creates', value: total / baseSeconds, unit: 'obj/s' }],
      },
      {
        name: 'wall time (lower is better)',
        ours: [{ label: 'tollgate sync', value: seconds, unit: 's' }],
        baseline: [{ label: 'direct SDK creates', value: baseSeconds, unit: 's' }],
      },
    ],
    [
      'Tollgate includes connecting the account (key check; a pasted endpoint secret, so no webhook deliveries), the queue, and recording every Stripe id in Postgres.',
      'The baseline is the sandbox answering the same creates with no Tollgate in between: the ratio is the cost of durability and bookkeeping.',
    ],
  );
}
