/**
 * Run-time secrets. In production they must come from configuration (the
 * loader refuses to start otherwise). In development, missing ones are
 * generated once and kept in the data directory, so encrypted data and
 * sessions survive a restart without any setup.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuntimeSecrets } from '../app/services.ts';
import { parseKey32 } from '../lib/crypto.ts';
import type { Config } from './schema.ts';

export const DEV_SECRETS_FILE = 'dev-secrets.json';

/** Fresh values for every secret the server needs, as env lines. */
export function generateSecretEnv(): string {
  return [
    `TOLLGATE_ENCRYPTION_KEY=${randomBytes(32).toString('hex')}`,
    `TOLLGATE_SESSION_SECRET=${randomBytes(32).toString('base64url')}`,
    `TOLLGATE_OAUTH_STATE_SECRET=${randomBytes(32).toString('base64url')}`,
  ].join('\n');
}

interface Stored {
  encryptionKey?: string;
  sessionSecret?: string;
  oauthStateSecret?: string;
}

export function resolveSecrets(config: Config, log: (message: string) => void = () => undefined): RuntimeSecrets {
  if (config.encryptionKey && config.sessionSecret && config.oauthStateSecret) {
    return { encryptionKey: config.encryptionKey, sessionSecret: config.sessionSecret, oauthStateSecret: config.oauthStateSecret };
  }
  const persist = config.dataDir !== ':memory:';
  const file = persist ? join(resolve(config.dataDir), DEV_SECRETS_FILE) : undefined;
  const stored: Stored = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Stored) : {};
  const next: Stored = {
    encryptionKey: stored.encryptionKey ?? randomBytes(32).toString('hex'),
    sessionSecret: stored.sessionSecret ?? randomBytes(32).toString('base64url'),
    oauthStateSecret: stored.oauthStateSecret ?? randomBytes(32).toString('base64url'),
  };
  if (file && JSON.stringify(next) !== JSON.stringify(stored)) {
    mkdirSync(resolve(config.dataDir), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(next, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    log(`generated development secrets in ${file}; in production set them with \`npx tollgate keys generate\``);
  }
  return {
    encryptionKey: config.encryptionKey ?? parseKey32(next.encryptionKey!)!,
    sessionSecret: config.sessionSecret ?? next.sessionSecret!,
    oauthStateSecret: config.oauthStateSecret ?? next.oauthStateSecret!,
  };
}
