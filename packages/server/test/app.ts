/**
 * Builds the real app in-process over a clean test database, with a manual
 * clock and silent logs. `request` helpers keep tests short and readable.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type RouteModule } from '../src/app/app.ts';
import type { AppServices } from '../src/app/services.ts';
import { loadConfig } from '../src/config/load.ts';
import { readMigrations } from '../src/db/migrate.ts';
import { ChangeFeed } from '../src/db/notify.ts';
import { createMetrics } from '../src/http/metrics.ts';
import { ManualClock } from '../src/lib/clock.ts';
import { createLogger, type Logger } from '../src/log/logger.ts';
import { createTestDb, type TestDb } from './db.ts';

export interface TestApp {
  app: FastifyInstance;
  services: AppServices;
  testDb: TestDb;
  clock: ManualClock;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  testDb?: TestDb;
  modules?: RouteModule[];
  logger?: Logger;
  clock?: ManualClock;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDb = options.testDb ?? (await createTestDb());
  const config = loadConfig({
    env: { NODE_ENV: 'test', TOLLGATE_DATA_DIR: ':memory:', LOG_LEVEL: 'silent', TOLLGATE_PUBLIC_URL: 'http://tollgate.test', ...options.env },
  });
  const clock = options.clock ?? new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const changes = new ChangeFeed(testDb.db);
  await changes.start();
  const { app, services } = buildApp(
    {
      config,
      db: testDb.db,
      clock,
      logger: options.logger ?? createLogger({ level: 'silent' }),
      secrets: { encryptionKey: randomBytes(32), sessionSecret: randomBytes(32).toString('hex'), oauthStateSecret: randomBytes(32).toString('hex') },
      metrics: createMetrics(),
      changes,
      migrations: readMigrations(),
      version: '0.0.0-test',
    },
    options.modules,
  );
  await app.ready();
  return {
    app,
    services,
    testDb,
    clock,
    async close() {
      await app.close();
      await changes.stop();
      if (!options.testDb) await testDb.drop();
    },
  };
}

/** A signed-in console user: their cookie, CSRF token and first tenant. */
export interface Console {
  cookie: string;
  csrf: string;
  userId: string;
  tenantId: string;
  request(options: InjectOptions & { tenant?: string }): Promise<LightMyRequestResponse>;
}

export async function signUp(app: FastifyInstance, body: Record<string, unknown>): Promise<Console> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: body });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  return consoleFrom(app, res);
}

export async function logIn(app: FastifyInstance, email: string, password: string): Promise<Console> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return consoleFrom(app, res);
}

function consoleFrom(app: FastifyInstance, res: LightMyRequestResponse): Console {
  const json = res.json() as { user: { id: string }; tenants: Array<{ id: string }>; csrf_token: string };
  const setCookie = res.cookies.find((c) => c.name === 'tollgate_session');
  if (!setCookie) throw new Error('no session cookie');
  const cookie = `tollgate_session=${setCookie.value}`;
  return {
    cookie,
    csrf: json.csrf_token,
    userId: json.user.id,
    tenantId: json.tenants[0]?.id ?? '',
    request({ tenant, headers, ...rest }) {
      return app.inject({
        ...rest,
        headers: { cookie, 'x-csrf-token': json.csrf_token, ...(tenant ? { 'tollgate-tenant': tenant } : {}), ...headers },
      });
    },
  };
}

export function bearer(key: string) {
  return { authorization: `Bearer ${key}` };
}

export const PASSWORD = 'correct horse battery';
