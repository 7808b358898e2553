/**
 * `Idempotency-Key` handling, scoped per account: the same key with the same
 * request replays the first response (`Idempotent-Replayed: true`), the same key
 * with another request is a 400 `idempotency_error`, and a key whose first request
 * is still running is a 409. Keys expire after 24 hours of real time.
 */
import { idempotencyInFlight, idempotencyMismatch } from './errors.ts';

export interface SavedResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface KeyRecord {
  fingerprint: string;
  savedAtMs: number;
  response: SavedResponse | null;
}

const TTL_MS = 24 * 3600 * 1000;
/** Beyond this many keys the oldest are forgotten first (the SDK keys every POST). */
const MAX_KEYS = 50_000;

/** A stable string for a decoded request: method, path and parameters with sorted keys. */
export function fingerprint(method: string, path: string, params: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(canonical);
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  };
  return `${method} ${path} ${JSON.stringify(canonical(params))}`;
}

export class IdempotencyStore {
  private readonly records = new Map<string, KeyRecord>();
  private readonly now: () => number;
  private inserts = 0;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /**
   * Look a key up before running a request: a saved response to replay, or null
   * when the request should run (the key is then held until `finish`).
   */
  begin(account: string, key: string, print: string): SavedResponse | null {
    const id = `${account}|${key}`;
    const existing = this.records.get(id);
    if (existing && this.now() - existing.savedAtMs > TTL_MS) this.records.delete(id);
    const record = this.records.get(id);
    if (record) {
      if (record.fingerprint !== print) throw idempotencyMismatch(key);
      if (!record.response) throw idempotencyInFlight();
      return record.response;
    }
    this.records.set(id, { fingerprint: print, savedAtMs: this.now(), response: null });
    if (++this.inserts % 1000 === 0) this.sweep();
    if (this.records.size > MAX_KEYS) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
    return null;
  }

  /** Save the response under the key, or release the key when it must not be saved. */
  finish(account: string, key: string, response: SavedResponse | null): void {
    const id = `${account}|${key}`;
    const record = this.records.get(id);
    if (!record) return;
    if (response) record.response = response;
    else this.records.delete(id);
  }

  clear(): void {
    this.records.clear();
  }

  private sweep(): void {
    const cutoff = this.now() - TTL_MS;
    for (const [id, r] of this.records) if (r.savedAtMs < cutoff && r.response) this.records.delete(id);
  }
}
