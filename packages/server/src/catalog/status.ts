/**
 * What an operator sees of the sync: every product and price in each mode as
 * Synced, Pending, Error (with the last Stripe error and next retry), Drifted,
 * or Not Mapped (no Stripe account connected for that mode), with a deep link
 * into the Stripe Dashboard; and the price-key → Stripe price mapping.
 */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';
import { MODES } from '../http/context.ts';
import { priceRepository, productRepository, stripePriceRepository, syncRepository, type CatalogObjectType } from './repository.ts';
import { dashboardUrl, type CatalogSync } from './sync.ts';
import { minorUnitDigits } from './currencies.ts';

export type SyncStatus = 'synced' | 'pending' | 'error' | 'drifted' | 'not_mapped';

export interface SyncEntry {
  object: CatalogObjectType;
  key: string;
  name: string;
  mode: Mode;
  status: SyncStatus;
  stripe_id: string | null;
  dashboard_url: string | null;
  last_error: string | null;
  next_retry_at: string | null;
  synced_at: string | null;
  drift: unknown;
}

export async function listSyncStatus(tx: Queryable, sync: CatalogSync, tenantId: string, filter: { mode?: Mode; status?: SyncStatus } = {}): Promise<SyncEntry[]> {
  const connected = new Set(await sync.connectedModes(tx, tenantId));
  const rows = await syncRepository.list(tx, tenantId);
  const state = new Map(rows.map((r) => [`${r.mode}:${r.object_type}:${r.object_id}`, r]));
  const products = await productRepository.list(tx, tenantId, true);
  const prices = await priceRepository.list(tx, tenantId, { includeArchived: true });
  const objects: Array<{ type: CatalogObjectType; id: string; key: string; name: string }> = [
    ...products.map((p) => ({ type: 'product' as const, id: p.id, key: p.key, name: p.name })),
    ...prices.map((p) => ({ type: 'price' as const, id: p.id, key: p.key, name: p.nickname || describePrice(p) })),
  ];
  const out: SyncEntry[] = [];
  for (const mode of filter.mode ? [filter.mode] : MODES) {
    for (const o of objects) {
      const row = state.get(`${mode}:${o.type}:${o.id}`);
      const status: SyncStatus = !connected.has(mode) ? 'not_mapped' : (row?.status ?? 'pending');
      if (filter.status && filter.status !== status) continue;
      const stripeId = row?.stripe_id ?? null;
      out.push({
        object: o.type,
        key: o.key,
        name: o.name,
        mode,
        status,
        stripe_id: stripeId,
        dashboard_url: dashboardUrl(mode, o.type, stripeId),
        last_error: status === 'error' ? (row?.last_error ?? null) : null,
        next_retry_at: status === 'error' ? (row?.next_retry_at?.toISOString() ?? null) : null,
        synced_at: row?.synced_at?.toISOString() ?? null,
        drift: status === 'drifted' ? (row?.drift ?? null) : null,
      });
    }
  }
  return out;
}

/** `{ "basic.monthly": "price_…" }` for every active price synced to `mode`. */
export async function priceMapping(tx: Queryable, tenantId: string, mode: Mode): Promise<Record<string, string>> {
  const rows = await stripePriceRepository.mapping(tx, tenantId, mode);
  return Object.fromEntries(rows.map((r) => [r.key, r.stripe_price_id]));
}

/** "12.00 USD / month", "500 JPY once" */
function describePrice(p: { unit_amount: number; currency: string; interval: string | null; interval_count: number }): string {
  const amount = (p.unit_amount / 10 ** minorUnitDigits(p.currency)).toFixed(minorUnitDigits(p.currency));
  const every = p.interval ? ` / ${p.interval_count > 1 ? `${p.interval_count} ${p.interval}s` : p.interval}` : ' once';
  return `${amount} ${p.currency.toUpperCase()}${every}`;
}
