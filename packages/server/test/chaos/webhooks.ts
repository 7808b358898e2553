/**
 * `npm run chaos -- webhooks [--customers 60] [--concurrency 6] [--seed 7] [--pace-ms 200] [--keep]`
 *
 * Many customers' lifecycles (checkout, renewals by test clock, failed
 * payments, cancels, disputes, fraud warnings, refunds, deletions) run in the
 * Stripe sandbox while it duplicates, delays, drops and reorders webhook
 * deliveries and fails some API reads. Two `tollgate serve` processes share one
 * PostgreSQL behind a round-robin proxy (the URL registered in Stripe); one
 * is killed with SIGKILL mid-run and restarted. At the end Tollgate's ledger
 * is compared with Stripe's state, object by object, and the counts printed:
 * zero lost, zero doubled, zero stale, or the exit code is 1.
 *
 * Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres; a fresh
 * database is created for the run and dropped after it (kept with --keep).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Stripe from 'stripe';
import { startSandbox } from '@tollgate/stripe-sandbox';
import { openPostgres } from '../../src/db/postgres.ts';
import { compareLedger, isClean } from './compare.ts';
import { LIFECYCLES, runLifecycle, setupCatalog, type LifecycleName, type World } from './lifecycles.ts';

const BIN = fileURLToPath(new URL('../../bin/tollgate.mjs', import.meta.url));

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

function log(line: string) {
  process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One `tollgate serve` process, restartable on the same port. */
class Instance {
  child: ChildProcess | undefined;
  starts = 0;
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.starts++;
    const out = createWriteStream(join(this.logDir, `${this.name}.${this.starts}.log`));
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...this.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    this.child = child;
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}; see ${this.logDir}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} did not become healthy`);
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

/**
 * The load balancer in front of both instances: round robin, and the other
 * instance when the chosen one does not answer (as a health-checking proxy
 * would); 502 when neither does, so the sender retries.
 */
interface ProxyStats {
  forwarded: number[];
  failovers: number;
  refused: number;
}

function startProxy(upstreams: Instance[], port: number): Promise<{ server: Server; stats: ProxyStats }> {
  let next = 0;
  const stats: ProxyStats = { forwarded: upstreams.map(() => 0), failovers: 0, refused: 0 };
  const forward = (req: IncomingMessage, body: Buffer, target: Instance) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = httpRequest({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const first = next++ % upstreams.length;
      for (let k = 0; k < upstreams.length; k++) {
        const i = (first + k) % upstreams.length;
        try {
          const answer = await forward(req, body, upstreams[i]!);
          stats.forwarded[i]!++;
          if (k > 0) stats.failovers++;
          res.writeHead(answer.status, answer.headers).end(answer.body);
          return;
        } catch {
          // that instance is down: try the next one
        }
      }
      stats.refused++;
      res.writeHead(502).end();
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, stats })));
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

export async function main(args: string[]): Promise<void> {
  const customers = arg(args, 'customers', 60);
  const concurrency = arg(args, 'concurrency', 6);
  const seed = arg(args, 'seed', 7);
  const pace = arg(args, 'pace-ms', 200);
  const keep = args.includes('--keep');
  const started = performance.now();
  const random = seeded(seed);

  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `tollgate_chaos_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const logDir = join(tmpdir(), dbName);
  mkdirSync(logDir, { recursive: true });
  log(`database ${dbName}; server logs in ${logDir}`);

  const sandbox = await startSandbox({
    port: 0,
    seed,
    tickMs: 0,
    webhookRetrySchedule: [250, 500, 1000, 2000, 4000, 8000, 15000, 30000],
    faults: [
      { kind: 'webhook_duplicate', rate: 0.25 },
      { kind: 'webhook_delay', rate: 0.3, ms: [0, 400] },
      { kind: 'webhook_reorder', windowMs: 60 },
      { kind: 'webhook_drop_first', rate: 0.05 },
      // reads the workers make while processing; the lifecycle driver's SDK retries them too
      { kind: 'api_error', rate: 0.03, methods: ['GET'], status: 503 },
      { kind: 'latency', rate: 0.2, methods: ['GET'], ms: [0, 30] },
    ],
  });
  const proxyPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl.toString(),
    TOLLGATE_PUBLIC_URL: `http://127.0.0.1:${proxyPort}`,
    TOLLGATE_STRIPE_API_BASE: sandbox.url,
    TOLLGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    TOLLGATE_SESSION_SECRET: randomBytes(32).toString('hex'),
    TOLLGATE_OAUTH_STATE_SECRET: randomBytes(32).toString('hex'),
    TOLLGATE_WORKER_CONCURRENCY: '4',
    TOLLGATE_WORKER_POLL_MS: '250',
    TOLLGATE_DB_POOL_SIZE: '8',
    // A SIGKILLed instance's claimed events are taken over when their lease runs out: short here, so the run does not idle for the default minute.
    TOLLGATE_JOB_LEASE_MS: '5000',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const instances = [new Instance('a', await freePort(), env, logDir), new Instance('b', await freePort(), env, logDir)];
  // the proxy listens where TOLLGATE_PUBLIC_URL says
  const { server: proxy, stats: lb } = await startProxy(instances, proxyPort);
  const db = openPostgres({ url: dbUrl.toString(), poolSize: 4 });
  let clean = false;

  try {
    await Promise.all(instances.map((i) => i.start()));
    log('two instances healthy behind the proxy');

    const provision = spawn(process.execPath, [BIN, 'tenant', 'create', '--name', 'Chaos', '--owner-email', 'owner@chaos.test', '--json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    provision.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => provision.once('exit', resolve));
    const tenant = JSON.parse(out) as { tenant: { id: string }; api_keys: { test: { secret: string } } };
    const stripeKey = `sk_test_${randomBytes(12).toString('hex')}`;
    const connect = await fetch(`${env.TOLLGATE_PUBLIC_URL}/v1/providers/stripe/test`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tenant.api_keys.test.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ secret_key: stripeKey }),
    });
    if (connect.status !== 200) throw new Error(`connect failed: ${connect.status} ${await connect.text()}`);
    log(`tenant ${tenant.tenant.id} connected; its webhook endpoint points at the proxy`);

    const stripe = new Stripe(stripeKey, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 8 });
    const world: World = { stripe, sandboxUrl: sandbox.url, price: await setupCatalog(stripe, 'Chaos Pro') };
    const plan: LifecycleName[] = Array.from({ length: customers }, (_, i) => (i < LIFECYCLES.length ? LIFECYCLES[i]! : LIFECYCLES[Math.floor(random() * LIFECYCLES.length)]!));
    let done = 0;
    const failures: string[] = [];
    // Kill instance a while deliveries flow and its workers hold claimed events.
    const killAfter = Math.max(10, customers * 2);
    const killed = (async () => {
      while (lb.forwarded[0]! < killAfter) await sleep(20);
      const processing = await db.query("select count(*)::int as n from jobs where queue = 'webhooks.process' and status = 'running'");
      log(`SIGKILL instance a (pid ${instances[0]!.child?.pid}) after ${lb.forwarded[0]} deliveries, ${processing.rows[0]!.n} events being processed`);
      await instances[0]!.kill('SIGKILL');
      await sleep(1500);
      await instances[0]!.start();
      log('instance a restarted');
    })();

    await pool(plan, concurrency, async (name, i) => {
      await sleep(Math.floor(random() * pace));
      try {
        await runLifecycle(world, name, i);
      } catch (err) {
        failures.push(`${name} #${i}: ${err instanceof Error ? err.message : String(err)}`);
      }
      done++;
      if (done % Math.max(1, Math.floor(customers / 5)) === 0) log(`${done}/${customers} lifecycles done`);
    });
    await killed;
    if (failures.length) log(`lifecycle steps Stripe refused (not a Tollgate failure): ${failures.slice(0, 5).join('; ')}`);

    log('waiting for every delivery and every event to be processed');
    await sandbox.waitForDeliveries(300_000);
    const q = async (sql: string) => (await db.query(sql)).rows[0]!.n as number;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const open = await q("select count(*)::int as n from webhook_events where status in ('pending', 'retrying')");
      const running = await q("select count(*)::int as n from jobs where queue = 'webhooks.process' and status in ('queued', 'running')");
      if (!open && !running) break;
      if (Date.now() > deadline) throw new Error(`${open} events still pending after 4 minutes`);
      await sleep(500);
    }
    sandbox.faults.clear(); // the comparison reads Stripe without injected failures

    const report = await compareLedger({ db, stripe, tenantId: tenant.tenant.id });
    const deliveries = sandbox.deliveries();
    const failedEvents = await q("select count(*)::int as n from webhook_events where status = 'failed'");
    const retried = await q('select count(*)::int as n from webhook_events where attempts > 1');
    clean = isClean(report);
    const lines = [
      '',
      `== chaos: webhooks (${customers} customers, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
      `  deliveries        ${deliveries.length} attempts: ${deliveries.filter((d) => d.duplicate).length} duplicates, ${deliveries.filter((d) => d.outcome === 'dropped').length} dropped first tries, ${deliveries.filter((d) => d.outcome === 'failed').length} failed (retried by Stripe)`,
      `  proxy             ${lb.forwarded.join(' / ')} forwarded to a / b, ${lb.failovers} failed over, ${lb.refused} refused with 502`,
      `  instance a        SIGKILLed once and restarted (${instances[0]!.starts} starts)`,
      `  events            ${report.events.sent} sent by Stripe, ${report.events.stored} stored, ${retried} needed a retry, ${failedEvents} failed`,
      `  objects checked   ${report.objects.checked} (${Object.entries(report.objects.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`,
      `  lost              ${report.events.missing.length + report.events.unfinished.length + report.objects.lost.length}`,
      `  doubled           ${report.doubled.length}`,
      `  stale             ${report.objects.stale.length}`,
      `  result            ${clean ? 'PASS: the ledger equals Stripe, object by object' : 'FAIL'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!clean) {
      process.stdout.write(
        `${JSON.stringify({ missing: report.events.missing.slice(0, 10), unfinished: report.events.unfinished.slice(0, 10), lost: report.objects.lost.slice(0, 10), stale: report.objects.stale.slice(0, 5), doubled: report.doubled.slice(0, 10) }, null, 1)}\n`,
      );
    }
  } finally {
    await Promise.all(instances.map((i) => i.kill('SIGTERM')));
    await new Promise((resolve) => proxy.close(resolve));
    await sandbox.stop();
    await db.close();
    if (!keep) await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    if (!keep && clean) rmSync(logDir, { recursive: true, force: true });
    await admin.end();
  }
  if (!clean) process.exitCode = 1;
}
