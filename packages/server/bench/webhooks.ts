/**
 * `npm run bench -- webhooks [--events 4000] [--concurrency 32] [--process 1500] [--workers 8]`
 *
 * Intake: sustained rate (events/s) and answer latency (p50/p99) of
 * POST /webhooks/stripe/{endpoint_id} over HTTP on PostgreSQL — signature
 * check on the raw body, event stored with its processing job in one
 * transaction, 200 — next to a baseline measured in the same run: a bare
 * Node HTTP server that verifies the same signature with the same SDK call
 * and does one `INSERT … ON CONFLICT DO NOTHING` per event.
 *
 * Processing: events/s of the worker (claim, re-read the object from the
 * Stripe sandbox, project, emit, mark processed), next to the sandbox's own
 * rate for the same reads sent straight from the SDK at the same concurrency.
 *
 * Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres; either
 * way a fresh database is created for the run and dropped after it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import Stripe from 'stripe';
import { startSandbox } from '@tollgate/stripe-sandbox';
import { buildApp } from '../src/app/app.ts';
import { closeRuntime, openRuntime } from '../src/app/runtime.ts';
import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/log/logger.ts';
import { customer as customerFixture, event, newWebhookSecret } from '../src/providers/stripe/fixtures.ts';
import { signStripePayload, verifyStripeSignature } from '../src/providers/stripe/webhook.ts';
import { latencyRow, percentile, printComparison } from './_report.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

interface Delivery {
  body: string;
  signature: string;
}

/** Sends every delivery with `concurrency` clients; returns events/s and latencies (ms). */
async function load(url: string, deliveries: Delivery[], concurrency: number) {
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  await pool(deliveries, concurrency, async (d) => {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': d.signature }, body: d.body });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status !== 200) failures++;
  });
  const seconds = (performance.now() - start) / 1000;
  if (failures) throw new Error(`${failures} deliveries were not answered 200`);
  latencies.sort((a, b) => a - b);
  return { rate: deliveries.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function sign(events: object[], secret: string): Delivery[] {
  return events.map((e) => {
    const body = JSON.stringify(e);
    return { body, signature: signStripePayload(body, secret) };
  });
}

/** The baseline: verify the signature, one INSERT … ON CONFLICT DO NOTHING, 200. */
async function baselineServer(url: string, secret: string, poolSize: number): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const db = new pg.Pool({ connectionString: url, max: poolSize });
  await db.query('create table baseline_events (id text primary key, type text not null, payload jsonb not null, received_at timestamptz not null)');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verified = verifyStripeSignature(raw, String(req.headers['stripe-signature'] ?? ''), secret, Date.now());
      if (!verified.ok) {
        res.writeHead(400).end();
        return;
      }
      const e = verified.event as { id: string; type: string };
      db.query('insert into baseline_events (id, type, payload, received_at) values ($1, $2, $3, now()) on conflict do nothing', [e.id, e.type, raw.toString('utf8')]).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'),
        () => res.writeHead(503).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await db.end();
    },
  };
}

export async function main(args: string[]): Promise<void> {
  const eventCount = arg(args, 'events', 4000);
  const concurrency = arg(args, 'concurrency', 32);
  const processCount = arg(args, 'process', 1500);
  const workers = arg(args, 'workers', 8);
  const poolSize = Math.max(10, workers + 4);

  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `tollgate_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const sandbox = await startSandbox({ port: 0, tickMs: 0 });

  try {
    const config = loadConfig({
      env: {
        DATABASE_URL: dbUrl.toString(),
        TOLLGATE_DB_POOL_SIZE: String(poolSize),
        TOLLGATE_STRIPE_API_BASE: sandbox.url,
        TOLLGATE_WORKER_CONCURRENCY: String(workers),
        TOLLGATE_WORKER_POLL_MS: '50',
        TOLLGATE_PUBLIC_URL: 'http://127.0.0.1:1',
        LOG_LEVEL: 'silent',
      },
    });
    const deps = await openRuntime(config, { logger: createLogger({ level: 'silent' }), migrate: true });
    const { app, services: s } = buildApp(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const appUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const tenant = await s.inSystem(async (tx) => {
      const user = (await tx.query<{ id: string }>('insert into users (email, is_platform_admin, created_at) values ($1, false, now()) returning id', [`bench-${randomBytes(4).toString('hex')}@x.test`])).rows[0]!;
      return s.tenants.provision(tx, { name: `bench ${randomBytes(3).toString('hex')}`, ownerUserId: user.id });
    });
    const scope = { tenantId: tenant.tenant.id, mode: 'test' as const, actor: { type: 'system' as const, name: 'bench' } };
    const stripeKey = `sk_test_${randomBytes(8).toString('hex')}`;
    const secret = newWebhookSecret();
    const view = await s.providers.connect(scope, 'test', { secret_key: stripeKey, webhook_secret: secret });
    const intakeUrl = `${appUrl}/webhooks/stripe/${view.webhook!.endpoint_id}`;

    // Objects the processed events are about, so each processing run reads a real object.
    const direct = new Stripe(stripeKey, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
    const customers: Stripe.Customer[] = [];
    await pool([...Array(200).keys()], 16, async (i) => {
      customers.push(await direct.customers.create({ email: `bench-${i}@example.test`, name: `Bench ${i}` }));
    });

    const makeEvents = (n: number) => Array.from({ length: n }, (_, i) => event('customer.updated', customers[i % customers.length] ?? customerFixture()));
    const warmup = sign(makeEvents(200), secret);
    const ours = sign(makeEvents(eventCount), secret);
    const theirs = sign(makeEvents(eventCount), secret);

    // Intake: Tollgate (workers off, so intake is measured alone) vs the bare baseline.
    await load(intakeUrl, warmup, concurrency);
    const tollgate = await load(intakeUrl, ours, concurrency);
    const baseline = await baselineServer(dbUrl.toString(), secret, poolSize);
    await load(baseline.url, warmup, concurrency);
    const bare = await load(baseline.url, theirs, concurrency);
    await baseline.close();

    if (processCount <= 0) {
      await app.close();
      await closeRuntime(deps);
      printComparison(`webhook intake on PostgreSQL (${eventCount} events, ${concurrency} concurrent senders)`, [
        { name: 'intake throughput (higher is better)', ours: [{ label: 'POST /webhooks/stripe', value: tollgate.rate, unit: 'ev/s' }], baseline: [{ label: 'verify + 1 INSERT', value: bare.rate, unit: 'ev/s' }] },
        latencyRow('intake answer latency (lower is better)', tollgate, bare),
      ]);
      return;
    }

    // Processing: let the workers run the backlog down.
    // The intake runs' events are not part of the processing measurement.
    await s.inSystem(async (tx) => {
      await tx.query("update jobs set status = 'done' where queue = 'webhooks.process'");
      await tx.query("update webhook_events set status = 'ignored' where status = 'pending'");
    });
    const backlog = sign(makeEvents(processCount), secret);
    await load(intakeUrl, backlog, concurrency);
    const pending = async () =>
      (await s.inSystem((tx) => tx.query<{ n: number }>("select count(*)::int as n from webhook_events where status in ('pending', 'retrying')"))).rows[0]!.n;
    const processStart = performance.now();
    await s.jobs.start();
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 25));
    const processSeconds = (performance.now() - processStart) / 1000;
    await s.jobs.stop();
    const failed = (await s.inSystem((tx) => tx.query<{ n: number }>("select count(*)::int as n from webhook_events where status = 'failed'"))).rows[0]!.n;
    if (failed) throw new Error(`${failed} events failed processing`);

    const readStart = performance.now();
    await pool([...Array(processCount).keys()], workers, async (i) => {
      await direct.customers.retrieve(customers[i % customers.length]!.id);
    });
    const readSeconds = (performance.now() - readStart) / 1000;

    await app.close();
    await closeRuntime(deps);

    printComparison(
      `webhook intake and processing on PostgreSQL (${eventCount} events, ${concurrency} concurrent senders; ${processCount} processed by ${workers} workers)`,
      [
        {
          name: 'intake throughput (higher is better)',
          ours: [{ label: 'POST /webhooks/stripe', value: tollgate.rate, unit: 'ev/s' }],
          baseline: [{ label: 'verify + 1 INSERT', value: bare.rate, unit: 'ev/s' }],
        },
        latencyRow('intake answer latency (lower is better)', tollgate, bare),
        {
          name: 'processing throughput (higher is better)',
          ours: [{ label: 'claim+read+project', value: processCount / processSeconds, unit: 'ev/s' }],
          baseline: [{ label: 'sandbox reads alone', value: processCount / readSeconds, unit: 'ev/s' }],
        },
      ],
      [
        'Intake stores the event and its job in one transaction (RLS tenant scope, dedupe by event id) before answering; the baseline stores only the event, outside any tenant scope.',
        'Processing re-reads every object from Stripe (the sandbox, in this process) before projecting it, so its ceiling is the read rate shown as its baseline.',
        'Load generator, server(s) and sandbox share this machine’s CPUs.',
      ],
    );
  } finally {
    await sandbox.stop();
    await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end();
  }
}
