/**
 * The in-process cache of materialized entitlements behind the check
 * endpoint, keyed by tenant, mode and the app's customer id. Entries live a
 * short time and are dropped in every process when a recomputation commits
 * (NOTIFY), so a revoked entitlement disappears everywhere at once. A lookup
 * that raced an invalidation is not cached (generation counter).
 */
import type { EntitlementRow } from './repository.ts';

export interface CachedCustomer {
  customerId: string | null;
  features: Map<string, EntitlementRow>;
  expires: number;
}

export class EntitlementCache {
  private readonly entries = new Map<string, CachedCustomer>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  static key(tenantId: string, mode: string, externalId: string): string {
    return `${tenantId}:${mode}:${externalId}`;
  }

  get(key: string, now: number): CachedCustomer | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return hit;
  }

  /** The generation to pass back to `set`, taken before reading the database. */
  mark(): number {
    return this.generation;
  }

  set(key: string, value: Omit<CachedCustomer, 'expires'>, now: number, generation: number): void {
    if (generation !== this.generation) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { ...value, expires: now + this.ttlMs });
  }

  invalidate(key: string): void {
    this.generation++;
    if (key === '*') this.entries.clear();
    else this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
