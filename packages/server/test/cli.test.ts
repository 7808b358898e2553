/**
 * The README's promises, run as a user runs them: the `tollgate` command in a
 * child process, on embedded PGlite by default or on the PostgreSQL database
 * named by TEST_DATABASE_URL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, onPostgres, type TestDb } from './db.ts';
import { runCli, startCli } from './cli.ts';
import Stripe from 'stripe';
import { startSandbox } from '@tollgate/stripe-sandbox';
import { newStripeKey } from './stripe.ts';

const PASSWORD = 'correct horse battery';

describe('the tollgate command', { timeout: 120_000 }, () => {
  let t: TestDb | undefined;
  let storage: Record<string, string>;

  beforeAll(async () => {
    // Each CLI run gets its own empty storage: a data directory, or a fresh PostgreSQL database.
    if (onPostgres) {
      t = await createTestDb({ migrated: false });
      storage = { DATABASE_URL: t.url! };
    } else {
      storage = { TOLLGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'tollgate-cli-')) };
    }
  });
  afterAll(async () => t?.drop());

  it('migrate applies every migration once and reports it; status lists them', async () => {
    const first = await runCli(['migrate'], storage);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^migrations: [1-9]\d* applied, 0 skipped$/m);
    const count = Number(/migrations: (\d+) applied/.exec(first.stdout)![1]);
    const second = await runCli(['migrate'], storage);
    expect(second.stdout.trim()).toBe(`migrations: 0 applied, ${count} skipped`);
    const status = await runCli(['migrate', 'status'], storage);
    expect(status.stdout).toMatch(/^001_foundation\s+applied\s+\d{4}-\d\d-\d\dT/m);
    expect(status.stdout).toContain(`${count} applied, 0 pending`);
  });

  it('serves, answers /health, and keeps data across a restart', async () => {
    const server = await startCli(['dev', '--port', '0'], storage);
    try {
      expect(server.url).toMatch(/^http:\/\/localhost:\d+$/);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const signup = await fetch(`${server.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'first@acme.test', password: PASSWORD }),
      });
      expect(signup.status).toBe(201);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const again = await startCli(['serve', '--port', '0'], storage);
    try {
      const login = await fetch(`${again.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'first@acme.test', password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      expect(again.output()).not.toContain(PASSWORD);
    } finally {
      await again.stop();
    }
  });

  it('tenant create --json provisions a tenant, its owner and four working keys', async () => {
    const res = await runCli(['tenant', 'create', '--name', 'Acme Corp', '--owner-email', 'owner@acme.test', '--json'], storage);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.tenant).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Acme Corp', slug: 'acme-corp' });
    expect(out.owner).toMatchObject({ email: 'owner@acme.test', setup_token: expect.any(String) });
    expect(out.api_keys.test.publishable).toMatch(/^tg_pk_test_/);
    expect(out.api_keys.test.secret).toMatch(/^tg_sk_test_/);
    expect(out.api_keys.live.publishable).toMatch(/^tg_pk_live_/);
    expect(out.api_keys.live.secret).toMatch(/^tg_sk_live_/);

    const server = await startCli(['serve', '--port', '0'], storage);
    try {
      const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${out.api_keys.live.secret}` } });
      expect(await me.json()).toMatchObject({ type: 'api_key', key: { mode: 'live', kind: 'secret' }, tenant: { id: out.tenant.id } });
      // The owner claims the account with the setup token and lands in their tenant as owner.
      const claim = await fetch(`${server.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'owner@acme.test', password: PASSWORD, invite_token: out.owner.setup_token }),
      });
      expect(claim.status).toBe(201);
      expect(((await claim.json()) as { tenants: unknown }).tenants).toEqual([expect.objectContaining({ id: out.tenant.id, role: 'owner' })]);
    } finally {
      await server.stop();
    }
  });

  it('keys generate prints every secret the server needs', async () => {
    const res = await runCli(['keys', 'generate']);
    expect(res.stdout).toMatch(/^TOLLGATE_ENCRYPTION_KEY=[0-9a-f]{64}$/m);
    expect(res.stdout).toMatch(/^TOLLGATE_SESSION_SECRET=\S{43}$/m);
    expect(res.stdout).toMatch(/^TOLLGATE_OAUTH_STATE_SECRET=\S{43}$/m);
  });

  it('serve --help lists every setting with its environment variable', async () => {
    const res = await runCli(['serve', '--help']);
    const help = res.stdout.replace(/\s+/g, ' ');
    for (const text of ['--port', '[env: PORT]', '--data-dir', '[env: TOLLGATE_DATA_DIR]', '--database-url', '[env: DATABASE_URL]', '--encryption-key-file', '[env: TOLLGATE_SIGNUP]']) {
      expect(help).toContain(text);
    }
  });

  it('a bad configuration stops start-up with one message listing every problem', async () => {
    const res = await runCli(['serve'], { PORT: 'eighty', TOLLGATE_SIGNUP: 'maybe', TOLLGATE_DATA_DIR: ':memory:' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('2 configuration problems');
    expect(res.stderr).toContain('PORT: must be a whole number');
    expect(res.stderr).toContain('TOLLGATE_SIGNUP: must be one of open, invite, closed');
  });

  it('production refuses in-memory storage, disabled auth and a missing encryption key', async () => {
    const res = await runCli(['serve'], { NODE_ENV: 'production', TOLLGATE_DATA_DIR: ':memory:', TOLLGATE_DISABLE_AUTH: 'true' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('in-memory storage is refused in production');
    expect(res.stderr).toContain('TOLLGATE_DISABLE_AUTH: refused in production');
    expect(res.stderr).toContain('TOLLGATE_ENCRYPTION_KEY: required in production');
  });

  it('catalog import adopts an existing Stripe catalog of a connected tenant', async () => {
    const sandbox = await startSandbox({ port: 0 });
    const fresh = onPostgres ? await createTestDb({ migrated: false }) : undefined;
    const own = fresh ? { DATABASE_URL: fresh.url! } : { TOLLGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'tollgate-cli-import-')) };
    const env = { ...own, TOLLGATE_STRIPE_API_BASE: sandbox.url };
    try {
      const stripeKey = newStripeKey();
      const stripe = new Stripe(stripeKey, { host: '127.0.0.1', port: sandbox.port, protocol: 'http' });
      const product = await stripe.products.create({ name: 'Starter' });
      await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500, recurring: { interval: 'month' }, lookup_key: 'starter.monthly' });

      const created = JSON.parse((await runCli(['tenant', 'create', '--name', 'Importer', '--owner-email', 'o@imp.test', '--json'], env)).stdout);
      const server = await startCli(['serve', '--port', '0'], env);
      try {
        const res = await fetch(`${server.url}/v1/providers/stripe/test`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${created.api_keys.test.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ secret_key: stripeKey }),
        });
        expect(res.status).toBe(200);
      } finally {
        await server.stop();
      }
      const imported = await runCli(['catalog', 'import', '--tenant', created.tenant.slug, '--mode', 'test'], env);
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toContain(`Imported into ${created.tenant.slug} (test): 1 product(s), 1 price(s); 0 already managed.`);
      expect((await stripe.products.retrieve(product.id)).metadata).toMatchObject({ tollgate_key: 'starter' });
      const again = await runCli(['catalog', 'import', '--tenant', created.tenant.slug, '--json'], env);
      expect(JSON.parse(again.stdout)).toMatchObject({ products: 0, prices: 0, skipped: 2, sync_errors: 0 });
      const unknown = await runCli(['catalog', 'import', '--tenant', 'nope'], env);
      expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'tollgate catalog import: no tenant "nope"']);
    } finally {
      await sandbox.stop();
      await fresh?.drop();
    }
  });

  it('sandbox serves the Stripe emulator', async () => {
    const child = await new Promise<{ url: string; kill: () => void }>((resolve, reject) => {
      import('node:child_process').then(({ spawn }) => {
        const proc = spawn(process.execPath, [new URL('../bin/tollgate.mjs', import.meta.url).pathname, 'sandbox', '--port', '0']);
        let out = '';
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const match = /listening on (\S+)/.exec(out);
          if (match) resolve({ url: match[1]!, kill: () => proc.kill() });
        });
        proc.on('close', (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
      }, reject);
    });
    try {
      const stripe = new Stripe(newStripeKey(), { host: '127.0.0.1', port: Number(new URL(child.url).port), protocol: 'http' });
      expect((await stripe.customers.create({ email: 'a@b.test' })).id).toMatch(/^cus_/);
    } finally {
      child.kill();
    }
  });
});
