import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, signUp, type Console, type TestApp } from '../../test/app.ts';
import { createTestDb } from '../../test/db.ts';
import { sha256Hex } from '../lib/crypto.ts';

describe('HTTP surface', () => {
  let t: TestApp;
  let owner: Console;

  beforeAll(async () => {
    t = await createTestApp({ env: { TOLLGATE_BODY_LIMIT: '2048' } });
    owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
  });
  afterAll(async () => t.close());

  it('renders every error as {error: {code, message}}', async () => {
    const cases = [
      { req: { method: 'GET' as const, url: '/nope' }, status: 404, code: 'route_not_found' },
      { req: { method: 'POST' as const, url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' }, status: 400, code: 'invalid_json' },
      { req: { method: 'POST' as const, url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(5000) }) }, status: 413, code: 'body_too_large' },
      { req: { method: 'POST' as const, url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'hi' }, status: 415, code: 'unsupported_media_type' },
      { req: { method: 'GET' as const, url: '/v1/api_keys' }, status: 401, code: 'unauthenticated' },
      { req: { method: 'POST' as const, url: '/api/auth/login', payload: { email: 42 } }, status: 400, code: 'validation_failed' },
    ];
    for (const c of cases) {
      const res = await t.app.inject(c.req);
      expect({ url: c.req.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: c.req.url, status: c.status, code: c.code });
      expect(typeof res.json().error.message).toBe('string');
    }
  });

  it('a malformed id in a path is a clear 400, not a crash', async () => {
    const res = await owner.request({ method: 'DELETE', url: '/v1/api_keys/not-a-uuid' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ in: 'path', path: 'id' });
  });

  it('a console user with several tenants must name one, and cannot name a stranger', async () => {
    const res = await owner.request({ method: 'GET', url: '/api/members', tenant: '00000000-0000-0000-0000-000000000000' });
    expect(res.statusCode).toBe(404);
    const bySlug = await owner.request({ method: 'GET', url: '/api/members', tenant: (await owner.request({ method: 'GET', url: '/api/me' })).json().tenants[0].slug });
    expect(bySlug.statusCode).toBe(200);
  });

  it('/health is 200 when the database takes a write and no migration is pending', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { migrations: { ok: true }, database: { ok: true } } });
  });

  it('/metrics counts requests by route and status', async () => {
    await t.app.inject({ method: 'GET', url: '/health' });
    await t.app.inject({ method: 'GET', url: '/nope' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/tollgate_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(res.body).toMatch(/tollgate_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
    expect(res.body).toContain('tollgate_http_request_duration_seconds_bucket');
  });

  it('/v1/openapi.json documents the routes with the schemas that validate them', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    const signup = doc.paths['/api/auth/signup'].post;
    expect(signup.requestBody.content['application/json'].schema.properties.password).toMatchObject({ type: 'string', minLength: 10 });
    expect(doc.paths['/v1/api_keys/{id}'].delete.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(doc.components.securitySchemes.secretKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/webhooks/stripe/{endpoint_id}'].post.responses['503']).toBeDefined();
  });
});

describe('/health when something is wrong', () => {
  it('is 503 naming the pending migration', async () => {
    const t = await createTestApp();
    try {
      t.services.migrations.push({ version: '999_future', file: '999_future.sql', sql: 'select 1', checksum: sha256Hex('select 1') });
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.migrations).toEqual({ ok: false, detail: expect.stringContaining('999_future') });
    } finally {
      await t.close();
    }
  });

  it('is 503 when the database is gone', async () => {
    const testDb = await createTestDb();
    const t = await createTestApp({ testDb });
    try {
      await testDb.db.close();
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.database.ok).toBe(false);
    } finally {
      await t.close().catch(() => undefined);
      await testDb.drop().catch(() => undefined);
    }
  });
});
