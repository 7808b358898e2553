/**
 * The offline demo as a new user meets it: `tollgate dev` in a child process
 * prints a login, a publishable key and a Checkout link; paying on the
 * sandbox's hosted page flips the demo page to "export_pdf: allowed"; a
 * restart finds the same tenant and login instead of making another.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../../test/cli.ts';
import { createTestDb, onPostgres, type TestDb } from '../../test/db.ts';

function field(output: string, label: string): string {
  const match = new RegExp(`^\\s+${label}:\\s+(.+)$`, 'm').exec(output);
  if (!match) throw new Error(`no "${label}" line in:\n${output}`);
  return match[1]!.trim();
}

describe('tollgate dev (npm start)', { timeout: 120_000 }, () => {
  let t: TestDb | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
    env = { TOLLGATE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    if (onPostgres) {
      t = await createTestDb({ migrated: false });
      env.DATABASE_URL = t.url!;
    }
  });
  afterAll(async () => t?.drop());

  async function login(url: string, email: string, password: string) {
    const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    expect(res.status).toBe(200);
    return (await res.json()) as { tenants: Array<{ id: string; name: string }> };
  }

  it('prints a working login, publishable key and checkout link; paying unlocks export_pdf; a restart keeps the same tenant', async () => {
    const first = await startCli(['dev', '--port', '0'], env);
    let tenantId: string;
    let credentials: [string, string];
    try {
      const out = first.output();
      tenantId = /tenant "Demo app" \(([0-9a-f-]{36})\)/.exec(out)![1]!;
      expect(field(out, 'console')).toBe(`${first.url}/console/`);
      credentials = field(out, 'login').split(' / ') as [string, string];
      expect(credentials[0]).toBe('admin@demo.test');
      expect(credentials[1]).toMatch(/^[A-Za-z0-9]{16}$/);
      const pk = field(out, 'publishable key');
      expect(pk).toMatch(/^tg_pk_test_/);
      const checkout = field(out, 'checkout link');
      const success = field(out, 'entitlements');
      expect(success.startsWith(`${first.url}/demo/success?token=`)).toBe(true);

      expect((await login(first.url, ...credentials)).tenants).toEqual([expect.objectContaining({ id: tenantId, name: 'Demo app' })]);
      const config = await fetch(`${first.url}/v1/config`, { headers: { authorization: `Bearer ${pk}` } });
      expect(config.status).toBe(200);
      expect(((await config.json()) as { paywall: unknown }).paywall).toMatchObject({ headline: 'Go Pro', plan_order: ['free', 'pro'], highlighted_plan: 'pro' });
      expect(await (await fetch(success)).text()).toContain('<code>export_pdf</code>: <span class="no">not allowed</span>');

      const paid = await fetch(checkout, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' });
      expect([paid.status, paid.headers.get('location')]).toEqual([303, success]);
      await expect
        .poll(async () => (await fetch(success)).text(), { timeout: 30_000, interval: 500 })
        .toContain('<code>export_pdf</code>: <span class="yes">allowed</span>')
        .catch((err: Error) => {
          throw new Error(`${err.message}\n--- tollgate dev said ---\n${first.output()}`);
        });
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startCli(['dev', '--port', '0'], env);
    try {
      const out = second.output();
      expect(out).toContain(`tenant "Demo app" (${tenantId})`);
      expect(out).not.toContain('created just now');
      expect(field(out, 'login')).toBe(credentials.join(' / '));
      expect(out).not.toContain('checkout link:');
      expect(field(out, 'portal link')).toMatch(/\/portal\/bps_/);
      expect((await login(second.url, ...credentials)).tenants.map((x) => x.id)).toEqual([tenantId]);
      await expect.poll(async () => (await fetch(field(out, 'entitlements'))).text(), { timeout: 15_000 }).toContain('<span class="yes">allowed</span>');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
