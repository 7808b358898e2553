import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, PASSWORD, signUp, type Console, type TestApp } from '../../test/app.ts';
import { withSystem } from '../db/scope.ts';

describe('API keys', () => {
  let t: TestApp;
  let owner: Console;

  beforeAll(async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'open' } });
    owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD, tenant_name: 'Acme' });
  });
  afterAll(async () => t.close());

  async function createKey(kind: 'secret' | 'publishable', mode: 'test' | 'live' = 'test') {
    const res = await owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind, mode, name: `${kind} ${mode}` } });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; key: string; prefix: string; mode: string; kind: string };
  }

  it('a new tenant starts with one publishable and one secret key per mode', async () => {
    const keys = (await owner.request({ method: 'GET', url: '/v1/api_keys' })).json().data;
    expect(keys.map((k: { mode: string; kind: string }) => `${k.mode}/${k.kind}`).sort()).toEqual([
      'live/publishable',
      'live/secret',
      'test/publishable',
      'test/secret',
    ]);
  });

  it('keys carry a prefix no one mistakes for a Stripe key, are shown once and stored only as a hash', async () => {
    const secret = await createKey('secret', 'test');
    const publishable = await createKey('publishable', 'live');
    expect(secret.key).toMatch(/^tg_sk_test_[0-9A-Za-z]{32}$/);
    expect(publishable.key).toMatch(/^tg_pk_live_[0-9A-Za-z]{32}$/);
    expect(secret.prefix).toBe(`${secret.key.slice(0, 15)}…`);
    const listed = (await owner.request({ method: 'GET', url: '/v1/api_keys' })).json();
    expect(JSON.stringify(listed)).not.toContain(secret.key);
    const stored = await withSystem(t.testDb.db, async (tx) => (await tx.query('select * from api_keys where id = $1', [secret.id])).rows[0]);
    expect(JSON.stringify(stored)).not.toContain(secret.key.slice(11));
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a secret key identifies its tenant and mode on /api/me and records when it was last used', async () => {
    const { id, key } = await createKey('secret', 'live');
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(key) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ type: 'api_key', key: { id, kind: 'secret', mode: 'live' }, tenant: { id: owner.tenantId, name: 'Acme' } });
    await expect
      .poll(async () => (await owner.request({ method: 'GET', url: '/v1/api_keys' })).json().data.find((k: { id: string }) => k.id === id).last_used_at)
      .not.toBeNull();
  });

  it('a revoked key stops working at once', async () => {
    const { id, key } = await createKey('secret');
    expect((await t.app.inject({ method: 'GET', url: '/v1/api_keys', headers: bearer(key) })).statusCode).toBe(200);
    const revoked = await owner.request({ method: 'DELETE', url: `/v1/api_keys/${id}` });
    expect(revoked.json().revoked_at).not.toBeNull();
    const after = await t.app.inject({ method: 'GET', url: '/v1/api_keys', headers: bearer(key) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('invalid_api_key');
  });

  it('a publishable key cannot manage keys', async () => {
    const { key } = await createKey('publishable');
    const res = await t.app.inject({ method: 'POST', url: '/v1/api_keys', headers: bearer(key), payload: { kind: 'secret' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('publishable key');
  });

  it('a secret key mints keys of its own mode only', async () => {
    const { key } = await createKey('secret', 'test');
    const live = await t.app.inject({ method: 'POST', url: '/v1/api_keys', headers: bearer(key), payload: { kind: 'secret', mode: 'live' } });
    expect(live.statusCode).toBe(403);
    expect(live.json().error.code).toBe('api_key_mode_mismatch');
    const test = await t.app.inject({ method: 'POST', url: '/v1/api_keys', headers: bearer(key), payload: { kind: 'publishable' } });
    expect(test.json()).toMatchObject({ mode: 'test', kind: 'publishable' });
  });

  it("another tenant's key id is not found, and is left untouched", async () => {
    const other = await signUp(t.app, { email: 'other@globex.test', password: PASSWORD });
    const { id, key } = await createKey('secret');
    const res = await other.request({ method: 'DELETE', url: `/v1/api_keys/${id}` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('api_key_not_found');
    expect((await t.app.inject({ method: 'GET', url: '/v1/api_keys', headers: bearer(key) })).statusCode).toBe(200);
  });

  it('an unknown or malformed key is a 401, never a 500', async () => {
    for (const key of ['tg_sk_test_' + 'x'.repeat(32), 'sk_test_123', 'garbage', "' or 1=1 --"]) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/api_keys', headers: bearer(key) });
      expect(res.statusCode).toBe(401);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/api_keys' })).statusCode).toBe(401);
  });
});
