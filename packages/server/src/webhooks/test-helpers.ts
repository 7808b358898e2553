/**
 * Helpers for webhook tests: the tenant's registered endpoint and its signing
 * secret, signed deliveries over real HTTP, a database whose writes can be
 * switched off, and reading back stored events and jobs.
 */
import type { AppServices } from '../app/services.ts';
import { withSystem } from '../db/scope.ts';
import type { Db, Queryable } from '../db/types.ts';
import { signedDelivery } from '../providers/stripe/fixtures.ts';
import { WEBHOOK_QUEUE } from './processor.ts';

export interface Endpoint {
  endpointId: string;
  secret: string;
  url: string;
}

/** The active test-mode endpoint of a connected tenant, with its secret. */
export async function endpointOf(services: AppServices, tenantId: string, baseUrl: string, mode: 'test' | 'live' = 'test'): Promise<Endpoint> {
  const view = await services.inTenant(tenantId, (tx) => services.providers.get(tx, tenantId, mode));
  if (!view.webhook) throw new Error(`tenant ${tenantId} has no ${mode} webhook endpoint`);
  const resolved = await services.providers.endpoint(view.webhook.endpoint_id);
  if (!resolved) throw new Error('endpoint not resolvable');
  return { endpointId: view.webhook.endpoint_id, secret: resolved.secret, url: `${baseUrl}/webhooks/stripe/${view.webhook.endpoint_id}` };
}

/** POSTs `payload` signed with `secret` (or `signature` as given) to `url`. */
export async function deliver(url: string, payload: object | string, secret: string, options: { timestamp?: number; signature?: string | null; contentType?: string } = {}) {
  const signed = signedDelivery(payload, secret, { timestamp: options.timestamp });
  const headers: Record<string, string> = { 'content-type': options.contentType ?? signed.headers['content-type'] };
  if (options.signature !== null) headers['stripe-signature'] = options.signature ?? signed.headers['stripe-signature'];
  const res = await fetch(url, { method: 'POST', headers, body: signed.body });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

export async function storedEvents(db: Db, where = 'true', params: unknown[] = []) {
  return withSystem(db, async (tx) => (await tx.query(`select * from webhook_events where ${where} order by seq`, params)).rows);
}

export async function webhookJobs(db: Db) {
  return withSystem(db, async (tx) => (await tx.query('select * from jobs where queue = $1 order by id', [WEBHOOK_QUEUE])).rows);
}

/** A Db whose every transaction fails while `down` is true (a database outage, as the app sees it). */
export function switchableDb(inner: Db): Db & { down: boolean } {
  const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const db = {
    down: false,
    get kind() {
      return inner.kind;
    },
    query(text: string, params?: readonly unknown[]) {
      if (db.down) return Promise.reject(outage());
      return inner.query(text, params);
    },
    exec(sql: string) {
      if (db.down) return Promise.reject(outage());
      return inner.exec(sql);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>, preamble?: string) {
      if (db.down) return Promise.reject(outage());
      return inner.transaction(fn, preamble);
    },
    session<T>(fn: (conn: Queryable) => Promise<T>) {
      return inner.session(fn);
    },
    listen(channel: string, onMessage: (payload: string) => void) {
      return inner.listen(channel, onMessage);
    },
    close() {
      return inner.close();
    },
  };
  return db as Db & { down: boolean };
}
