/**
 * What the offline demo keeps in the data directory (`demo.json`, mode 0600):
 * the login it made, the tenant's keys and the Stripe sandbox key, so a restart
 * can print the login again and keep using the same sandbox account. Only for
 * local trying: the data directory already holds development secrets.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoState {
  tenant_id: string;
  admin_email: string;
  admin_password: string;
  publishable_key: string;
  secret_key: string;
  stripe_key: string;
  /** The server URL the Stripe webhook endpoint and allowed origin were set up for. */
  public_url: string;
}

export function demoStatePath(dataDir: string): string | null {
  return dataDir === ':memory:' ? null : join(dataDir, 'demo.json');
}

export function readDemoState(dataDir: string): DemoState | null {
  const path = demoStatePath(dataDir);
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DemoState;
  } catch {
    return null;
  }
}

export function writeDemoState(dataDir: string, state: DemoState): void {
  const path = demoStatePath(dataDir);
  if (!path) return;
  mkdirSync(dataDir, { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, path);
}
