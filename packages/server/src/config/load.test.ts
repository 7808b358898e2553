import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';
import { configReference } from './docs.ts';
import { generateSecretEnv, resolveSecrets } from './secrets.ts';

const KEY = 'a'.repeat(64);
const SECRET = 's'.repeat(40);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.setting}: ${p.problem}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults: port 3000, data dir .tollgate/data, invite-only sign-up', () => {
    const config = loadConfig({ env: {} });
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('.tollgate/data');
    expect(config.signup).toBe('invite');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
  });

  it('takes a flag over an environment variable over a _FILE', () => {
    expect(loadConfig({ env: { PORT: '4000' } }).port).toBe(4000);
    expect(loadConfig({ env: { PORT: '4000' }, flags: { port: '5000' } }).port).toBe(5000);
  });

  it('reads a _FILE variant and trims one trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-config-'));
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    expect(loadConfig({ env: { TOLLGATE_SESSION_SECRET_FILE: file } }).sessionSecret).toBe(SECRET);
    expect(loadConfig({ flags: { 'session-secret-file': file } }).sessionSecret).toBe(SECRET);
    writeFileSync(file, `${KEY}\r\n`);
    expect(loadConfig({ env: { TOLLGATE_ENCRYPTION_KEY_FILE: file } }).encryptionKey?.toString('hex')).toBe(KEY);
  });

  it('refuses a setting given both directly and as a file', () => {
    expect(problemsOf(() => loadConfig({ env: { PORT: '1', PORT_FILE: '/x' } }))).toEqual([expect.stringContaining('PORT: set more than once')]);
  });

  it('lists every problem in one message, with how to fix it, and never echoes a secret', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ env: { PORT: 'abc', TOLLGATE_SIGNUP: 'sometimes', TOLLGATE_ENCRYPTION_KEY: 'tooshort-secret-value', TOLLGATE_SESSION_TTL_HOURS: '0' } });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.setting).sort()).toEqual(['PORT', 'TOLLGATE_ENCRYPTION_KEY', 'TOLLGATE_SESSION_TTL_HOURS', 'TOLLGATE_SIGNUP']);
    expect(error!.message).toContain('4 configuration problems');
    expect(error!.message).toContain('must be one of open, invite, closed');
    expect(error!.message).toContain('npx tollgate keys generate');
    expect(error!.message).not.toContain('tooshort-secret-value');
  });

  it('reports an unreadable _FILE', () => {
    expect(problemsOf(() => loadConfig({ env: { TOLLGATE_SESSION_SECRET_FILE: '/nonexistent/secret' } }))).toEqual([
      expect.stringContaining('cannot read TOLLGATE_SESSION_SECRET_FILE file /nonexistent/secret'),
    ]);
  });

  describe('in production', () => {
    const good = { NODE_ENV: 'production', DATABASE_URL: 'postgres://tollgate@db:5432/tollgate', TOLLGATE_ENCRYPTION_KEY: KEY, TOLLGATE_SESSION_SECRET: SECRET };

    it('starts with PostgreSQL and the required secrets', () => {
      expect(loadConfig({ env: good }).nodeEnv).toBe('production');
    });

    it('refuses in-memory storage', () => {
      const { DATABASE_URL: _, ...env } = good;
      expect(problemsOf(() => loadConfig({ env: { ...env, TOLLGATE_DATA_DIR: ':memory:' } }))).toEqual([expect.stringContaining('in-memory storage is refused')]);
    });

    it('refuses a temporary directory', () => {
      const { DATABASE_URL: _, ...env } = good;
      expect(problemsOf(() => loadConfig({ env: { ...env, TOLLGATE_DATA_DIR: join(tmpdir(), 'tollgate') } }))).toEqual([
        expect.stringContaining('is a temporary directory'),
      ]);
    });

    it('refuses TOLLGATE_DISABLE_AUTH', () => {
      expect(problemsOf(() => loadConfig({ env: { ...good, TOLLGATE_DISABLE_AUTH: 'true' } }))).toEqual([
        expect.stringContaining('TOLLGATE_DISABLE_AUTH: refused in production'),
      ]);
    });

    it('refuses a missing encryption key', () => {
      const { TOLLGATE_ENCRYPTION_KEY: _, ...env } = good;
      expect(problemsOf(() => loadConfig({ env }))).toEqual([expect.stringContaining('TOLLGATE_ENCRYPTION_KEY: required in production')]);
    });
  });

  it('`keys generate` output is accepted as configuration', () => {
    const env = Object.fromEntries(
      generateSecretEnv()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    expect(Object.keys(env).sort()).toEqual(['TOLLGATE_ENCRYPTION_KEY', 'TOLLGATE_OAUTH_STATE_SECRET', 'TOLLGATE_SESSION_SECRET']);
    const config = loadConfig({ env: { ...env, NODE_ENV: 'production', DATABASE_URL: 'postgres://x@y/z' } });
    expect(config.encryptionKey).toHaveLength(32);
    expect(generateSecretEnv()).not.toEqual(generateSecretEnv());
  });

  it('generates development secrets once and keeps them in the data directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-secrets-'));
    const config = loadConfig({ env: { TOLLGATE_DATA_DIR: dir } });
    const first = resolveSecrets(config);
    const second = resolveSecrets(config);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
    expect(second.sessionSecret).toBe(first.sessionSecret);
  });

  it('documents every setting, with its env var and flag', () => {
    const doc = configReference();
    for (const name of ['PORT', 'TOLLGATE_DATA_DIR', 'DATABASE_URL', 'TOLLGATE_SIGNUP', 'TOLLGATE_ENCRYPTION_KEY', '--encryption-key']) {
      expect(doc).toContain(name);
    }
  });
});
