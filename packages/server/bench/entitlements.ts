/**
 * `npm run bench -- entitlements [--customers 100000] [--connections 50] [--seconds 10]`
 *
 * The entitlement check under load: GET /v1/entitlements/check over 50
 * connections, with 100,000 customers in PostgreSQL, against `tollgate serve`
 * in its own process; next to a bare Node http server answering a fixed JSON
 * body of the same size, measured in the same run. Reports req/s, p50/p99 and
 * the ratio. PostgreSQL comes from DATABASE_URL, or a scratch database is
 * created on postgres://postgres@127.0.0.1:5432 and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { withSystem } from '../src/db/scope.ts';
import { newApiKey } from '../src/apikeys/format.ts';
import { latencyRow, printComparison } from './_report.ts';
import { startBaseline, startTollgate } from './_servers.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, drop: async () => undefined };
  const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `tollgate_bench_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new pg.Client(admin);
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await run(`create database ${name}`);
  return { url: admin.replace(/\/postgres$/, `/${name}`), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/** One tenant, two features, `count` customers; two thirds of them entitled. */
export async function seed(url: string, count: number): Promise<{ key: string }> {
  const db = openPostgres({ url, poolSize: 4 });
  await migrate(db);
  const key = newApiKey('secret', 'test');
  await withSystem(db, async (tx) => {
    const tenant = (await tx.query<{ id: string }>("insert into tenants (name, slug) values ('Bench', $1) returning id", [`bench-${randomBytes(3).toString('hex')}`])).rows[0]!.id;
    await tx.query("insert into api_keys (tenant_id, mode, kind, token_prefix, token_hash) values ($1, 'test', 'secret', $2, $3)", [tenant, key.prefix, key.hash]);
    await tx.query(
      `insert into customers (tenant_id, mode, external_id, created_at, updated_at)
       select $1, 'test', 'user_' || n, now(), now() from generate_series(1, $2) n`,
      [tenant, count],
    );
    await tx.query(
      `insert into customer_entitlements (tenant_id, mode, customer_id, feature_key, feature_type, value, source, valid_until, recompute_at, computed_at)
       select c.tenant_id, 'test', c.id, f.key, f.type, f.value, 'subscription', now() + interval '30 days', now() + interval '30 days', now()
         from customers c cross join (values ('export_pdf', 'boolean', null::bigint), ('projects', 'limit', 10::bigint)) as f(key, type, value)
        where c.tenant_id = $1 and substring(c.external_id from 6)::int % 3 <> 0`,
      [tenant],
    );
  });
  await db.query('analyze');
  await db.close();
  return { key: key.token };
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, paths: string[], headers: Record<string, string>, connections: number, seconds: number): Promise<Result> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers,
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

export async function main(args: string[]): Promise<void> {
  const customers = arg(args, 'customers', 100_000);
  const connections = arg(args, 'connections', 50);
  const seconds = arg(args, 'seconds', 10);
  const database = await scratchDatabase();
  let tollgate;
  let baseline;
  try {
    process.stdout.write(`seeding ${customers} customers…\n`);
    const { key } = await seed(database.url, customers);
    tollgate = await startTollgate({ DATABASE_URL: database.url, NODE_ENV: 'development', TOLLGATE_DATA_DIR: ':memory:' });
    // Requests spread over 2,000 distinct customers (entitled and not), two features each.
    const paths: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const n = 1 + Math.floor(Math.random() * customers);
      paths.push(`/v1/entitlements/check?customer=user_${n}&feature=${i % 2 ? 'export_pdf' : 'projects'}`);
    }
    const sample = await fetch(`${tollgate.url}${paths[1]}`, { headers: { authorization: `Bearer ${key}` } });
    const body = await sample.text();
    if (sample.status !== 200) throw new Error(`check answered ${sample.status}: ${body}`);
    baseline = await startBaseline(body);

    // Warm both (JIT, connection pools, the entitlement cache), then measure.
    await load(baseline.url, ['/'], {}, connections, 2);
    await load(tollgate.url, paths, { authorization: `Bearer ${key}` }, connections, 3);
    const base = await load(baseline.url, ['/'], {}, connections, seconds);
    const ours = await load(tollgate.url, paths, { authorization: `Bearer ${key}` }, connections, seconds);
    if (ours.errors || ours.non2xx) throw new Error(`tollgate answered ${ours.non2xx} non-2xx and ${ours.errors} errors`);

    printComparison(
      `entitlement check: ${customers} customers in PostgreSQL, ${connections} connections, ${seconds}s (body ${body.length} bytes)`,
      [
        {
          name: 'throughput (higher is better)',
          ours: [{ label: 'GET /v1/entitlements/check', value: ours.rps, unit: 'req/s' }],
          baseline: [{ label: 'bare node http', value: base.rps, unit: 'req/s' }],
        },
        latencyRow('latency (lower is better)', ours, base),
      ],
      [
        `goal: at least 60% of the baseline's throughput (${((ours.rps / base.rps) * 100).toFixed(0)}% measured) with p99 under 5 ms (${ours.p99} ms measured)`,
        'The load generator runs in this process; both servers run in their own processes on the same 2 cores.',
      ],
    );
  } finally {
    await tollgate?.stop();
    await baseline?.stop();
    await database.drop();
  }
}
