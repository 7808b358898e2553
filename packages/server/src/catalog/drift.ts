/**
 * Drift and unmanaged objects. A `product.*`/`price.*` webhook queues a check
 * of that Stripe object; the check re-reads the object from Stripe (so event
 * order and duplicates do not matter) and compares it with the catalog: a
 * Tollgate-owned object changed in Stripe is marked drifted until an operator
 * re-syncs (or the change is undone); an object created directly in Stripe is
 * listed as unmanaged so it can be adopted (becoming Tollgate-owned) or
 * ignored. `importCatalog` adopts a whole existing Stripe catalog at once.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import { enqueue, type JobRow } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { ProviderService } from '../providers/service.ts';
import {
  catalogObjectFromEvent,
  fetchCatalogObject,
  type StripeCatalogObject,
  type StripeCatalogPrice,
  type StripeCatalogProduct,
} from '../providers/stripe/catalog.ts';
import { catalogErrors } from './errors.ts';
import { priceRepository, productRepository, stripePriceRepository, syncRepository, unmanagedRepository, type PriceRow, type ProductRow } from './repository.ts';
import { slugKey } from './keys.ts';

export interface CatalogEvent {
  id?: string;
  type: string;
  data: { object: unknown };
}

function productDrift(ours: ProductRow, theirs: StripeCatalogProduct): Record<string, { tollgate: unknown; stripe: unknown }> {
  const diff: Record<string, { tollgate: unknown; stripe: unknown }> = {};
  if (theirs.deleted) return { deleted: { tollgate: false, stripe: true } };
  if (ours.name !== theirs.name) diff.name = { tollgate: ours.name, stripe: theirs.name };
  if (ours.description !== theirs.description) diff.description = { tollgate: ours.description, stripe: theirs.description };
  if (ours.active !== theirs.active) diff.active = { tollgate: ours.active, stripe: theirs.active };
  return diff;
}

function priceDrift(ours: PriceRow, theirs: StripeCatalogPrice): Record<string, { tollgate: unknown; stripe: unknown }> {
  const diff: Record<string, { tollgate: unknown; stripe: unknown }> = {};
  if (theirs.deleted) return { deleted: { tollgate: false, stripe: true } };
  if (ours.active !== theirs.active) diff.active = { tollgate: ours.active, stripe: theirs.active };
  if ((ours.nickname || '') !== theirs.nickname) diff.nickname = { tollgate: ours.nickname, stripe: theirs.nickname };
  if (ours.key !== theirs.lookupKey) diff.lookup_key = { tollgate: ours.key, stripe: theirs.lookupKey };
  if (ours.unit_amount !== theirs.unitAmount) diff.unit_amount = { tollgate: ours.unit_amount, stripe: theirs.unitAmount };
  if (ours.currency !== theirs.currency) diff.currency = { tollgate: ours.currency, stripe: theirs.currency };
  return diff;
}

export const DRIFT_QUEUE = 'catalog.drift';

interface DriftPayload {
  mode: Mode;
  kind: 'product' | 'price';
  stripeId: string;
}

export function createCatalogDrift(deps: { db: Db; clock: Clock; providers: ProviderService }) {
  const { db, clock, providers } = deps;

  /** Compares an owned object with Stripe's current state; false when Tollgate does not own it. */
  async function checkOwned(tx: Queryable, tenantId: string, mode: Mode, obj: StripeCatalogObject): Promise<boolean> {
    const state = await syncRepository.findByStripeId(tx, tenantId, mode, obj.stripeId);
    const objectId = state?.object_id ?? obj.tollgateId;
    if (!objectId || !/^[0-9a-f-]{36}$/.test(objectId)) return false;
    const ours = obj.kind === 'product' ? await productRepository.findById(tx, tenantId, objectId) : await priceRepository.findById(tx, tenantId, objectId);
    if (!ours) return false;
    const current = state ?? (await syncRepository.find(tx, tenantId, mode, obj.kind, ours.id));
    // A push is queued or running: it will overwrite Stripe anyway.
    if (!current || current.status === 'pending') return true;
    // A superseded Stripe price (replaced after an amount change) is expected to differ.
    if (current.stripe_id !== obj.stripeId) return true;
    const diff = obj.kind === 'product' ? productDrift(ours as ProductRow, obj) : priceDrift(ours as PriceRow, obj);
    if (Object.keys(diff).length) {
      await syncRepository.markDrifted(tx, tenantId, mode, obj.kind, ours.id, { fields: diff, detected_at: clock.now().toISOString() }, clock.now());
    } else if (current.status === 'drifted') {
      // Someone undid the change in Stripe.
      await syncRepository.markSynced(tx, tenantId, mode, obj.kind, ours.id, { stripeId: obj.stripeId, version: ours.version, currentVersion: ours.version, at: clock.now() });
    }
    return true;
  }

  return {
    /**
     * Queues a check of the object a `product.*`/`price.*` event is about (in
     * the caller's transaction); the check reads Stripe, so it runs as a job.
     */
    async handleStripeEvent(tx: Queryable, scope: { tenantId: string; mode: Mode }, event: CatalogEvent): Promise<'queued' | 'ignored'> {
      const obj = catalogObjectFromEvent(event);
      if (!obj) return 'ignored';
      const payload: DriftPayload = { mode: scope.mode, kind: obj.kind, stripeId: obj.stripeId };
      await enqueue(tx, clock, { queue: DRIFT_QUEUE, tenantId: scope.tenantId, dedupeKey: `${scope.tenantId}:${scope.mode}:${obj.stripeId}`, payload: { ...payload } });
      return 'queued';
    },

    handler: {
      queue: DRIFT_QUEUE,
      async handle(job: JobRow): Promise<void> {
        const { mode, kind, stripeId } = job.payload as unknown as DriftPayload;
        const tenantId = job.tenant_id!;
        const client = await providers.stripeFor(tenantId, mode);
        if (!client) return;
        const obj = await fetchCatalogObject(client.stripe, kind, stripeId);
        await withTenant(db, tenantId, async (tx) => {
          if (await checkOwned(tx, tenantId, mode, obj)) return;
          if (obj.deleted) return;
          await unmanagedRepository.record(tx, tenantId, mode, { stripeId: obj.stripeId, type: obj.kind, data: obj }, clock.now());
        });
      },
    },

    async ignore(tx: Queryable, scope: TenantScope, mode: Mode, stripeId: string): Promise<void> {
      if (!(await unmanagedRepository.setStatus(tx, scope.tenantId, mode, stripeId, 'ignored', clock.now()))) throw catalogErrors.unmanaged_not_found();
    },

    /**
     * Makes an unmanaged Stripe object Tollgate's: creates the product or price
     * from its data and maps it to the existing Stripe id (no new Stripe object).
     */
    async adopt(tx: Queryable, tenantId: string, mode: Mode, stripeId: string, key?: string): Promise<{ type: 'product' | 'price'; id: string; key: string }> {
      const row = await unmanagedRepository.find(tx, tenantId, mode, stripeId);
      if (!row || row.status === 'adopted') throw catalogErrors.unmanaged_not_found(`No unmanaged Stripe object ${stripeId} in ${mode} mode.`);
      const obj = row.data as unknown as StripeCatalogObject;
      const at = clock.now();
      let id: string;
      let newKey: string;
      if (obj.kind === 'product') {
        newKey = key ?? (await freeKey(tx, tenantId, 'product', obj.metadata.tollgate_key ?? slugKey(obj.name)));
        const created = await productRepository.insert(tx, tenantId, { key: newKey, name: obj.name, description: obj.description, active: obj.active, metadata: {}, at });
        if (!created) throw catalogErrors.product_key_taken(`A product with key "${newKey}" already exists: pass another "key".`);
        id = created.id;
      } else {
        const product = await syncRepository.findByStripeId(tx, tenantId, mode, obj.stripeProductId);
        if (!product || product.object_type !== 'product') throw catalogErrors.adopt_product_first(`Adopt product ${obj.stripeProductId} first.`);
        newKey = key ?? (await freeKey(tx, tenantId, 'price', obj.lookupKey ?? slugKey(`${obj.stripeProductId}.${obj.interval ?? 'once'}`)));
        const inserted = await priceRepository.insert(tx, tenantId, {
          key: newKey,
          productId: product.object_id,
          currency: obj.currency,
          unitAmount: obj.unitAmount ?? 0,
          interval: obj.interval,
          intervalCount: obj.interval ? obj.intervalCount : 1,
          trialDays: null,
          nickname: obj.nickname,
          active: obj.active,
          at,
        });
        if (!inserted) throw catalogErrors.price_key_taken(`A price with key "${newKey}" already exists: pass another "key".`);
        id = inserted;
        await stripePriceRepository.setCurrent(tx, tenantId, mode, { id, productId: product.object_id }, obj.stripeId, at);
      }
      // Version 1 is what Stripe holds now; the next sync writes Tollgate's identity into its metadata.
      await syncRepository.markSynced(tx, tenantId, mode, obj.kind, id, { stripeId: obj.stripeId, version: 0, currentVersion: 1, at });
      await unmanagedRepository.setStatus(tx, tenantId, mode, obj.stripeId, 'adopted', at);
      return { type: obj.kind, id, key: newKey };
    },

    /** Records a whole Stripe catalog as unmanaged, then adopts products before prices. */
    async importCatalog(tx: Queryable, tenantId: string, mode: Mode, catalog: { products: StripeCatalogProduct[]; prices: StripeCatalogPrice[] }) {
      const result = { products: 0, prices: 0, skipped: 0 };
      for (const obj of [...catalog.products, ...catalog.prices]) {
        if (obj.tollgateId || (await syncRepository.findByStripeId(tx, tenantId, mode, obj.stripeId))) {
          result.skipped++;
          continue;
        }
        await unmanagedRepository.record(tx, tenantId, mode, { stripeId: obj.stripeId, type: obj.kind, data: obj }, clock.now());
        await this.adopt(tx, tenantId, mode, obj.stripeId);
        result[obj.kind === 'product' ? 'products' : 'prices']++;
      }
      return result;
    },
  };
}

async function freeKey(tx: Queryable, tenantId: string, type: 'product' | 'price', wanted: string): Promise<string> {
  const taken = (key: string) =>
    type === 'product' ? productRepository.findByKey(tx, tenantId, key) : priceRepository.findByKey(tx, tenantId, key);
  let key = slugKey(wanted);
  for (let n = 2; await taken(key); n++) key = `${slugKey(wanted).slice(0, 58)}-${n}`;
  return key;
}

export type CatalogDrift = ReturnType<typeof createCatalogDrift>;
