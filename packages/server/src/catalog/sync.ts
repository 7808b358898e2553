/**
 * Keeping Stripe in step with the catalog. A write marks the object pending
 * and queues one job per connected mode in the writer's transaction; the job
 * pushes the object's current state with idempotency keys bound to its version
 * (so a retried push never makes a duplicate), records the Stripe id, and on
 * failure records the error and retries with backoff. Sync status per object
 * and mode is what `GET /v1/catalog/sync` shows.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { Mode } from '../http/context.ts';
import { MODES } from '../http/context.ts';
import { enqueue, exponentialBackoff, type JobRow } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import { pushPrice, pushProduct } from '../providers/stripe/catalog.ts';
import { describeStripeError } from '../providers/stripe/errors.ts';
import {
  priceRepository,
  productRepository,
  stripePriceRepository,
  syncRepository,
  type CatalogObjectType,
  type SyncRow,
} from './repository.ts';

export const SYNC_QUEUE = 'catalog.sync';
const backoff = exponentialBackoff(2_000, 15 * 60_000);

interface SyncPayload {
  mode: Mode;
  type: CatalogObjectType;
  id: string;
}

export function dashboardUrl(mode: Mode, type: CatalogObjectType, stripeId: string | null): string | null {
  if (!stripeId) return null;
  return `https://dashboard.stripe.com/${mode === 'test' ? 'test/' : ''}${type === 'product' ? 'products' : 'prices'}/${stripeId}`;
}

export function createCatalogSync(deps: { db: Db; clock: Clock; logger: Logger; providers: ProviderService }) {
  const { db, clock, logger, providers } = deps;

  async function connectedModes(tx: Queryable, tenantId: string): Promise<Mode[]> {
    const out: Mode[] = [];
    for (const mode of MODES) if (await providers.isConnected(tx, tenantId, mode)) out.push(mode);
    return out;
  }

  async function enqueueOne(tx: Queryable, tenantId: string, mode: Mode, type: CatalogObjectType, id: string): Promise<void> {
    await syncRepository.markPending(tx, tenantId, mode, type, id, clock.now());
    const payload: SyncPayload = { mode, type, id };
    await enqueue(tx, clock, { queue: SYNC_QUEUE, tenantId, dedupeKey: `${tenantId}:${mode}:${type}:${id}`, payload: { ...payload }, maxAttempts: 12 });
  }

  /** Runs one push. Network calls happen outside any transaction. */
  async function run(tenantId: string, payload: SyncPayload, job: { id: number; attempts: number }): Promise<void> {
    const { mode, type, id } = payload;
    const client = await providers.stripeFor(tenantId, mode);
    if (!client) return; // disconnected since: the object is Not Mapped now; connecting again syncs it.
    const base = `tollgate:${tenantId}:${mode}:${type}:${id}`;
    const keys = (version: number) => ({ create: `${base}:create:v${version}`, update: `${base}:v${version}:job${job.id}`, mayExist: job.attempts > 1 });

    if (type === 'product') {
      const [product, state] = await withTenant(db, tenantId, async (tx) => [
        await productRepository.findById(tx, tenantId, id),
        await syncRepository.find(tx, tenantId, mode, 'product', id),
      ]);
      if (!product) return;
      const stripeId = await pushProduct(
        client.stripe,
        { tollgateId: product.id, key: product.key, name: product.name, description: product.description, active: product.active, metadata: product.metadata, version: product.version },
        state?.stripe_id ?? null,
        keys(product.version),
      );
      await withTenant(db, tenantId, async (tx) => {
        const current = await productRepository.findById(tx, tenantId, id);
        await syncRepository.markSynced(tx, tenantId, mode, 'product', id, { stripeId, version: product.version, currentVersion: current?.version ?? product.version, at: clock.now() });
        // First time in this account: now its prices can follow (enqueueAll held them back).
        if (!state?.stripe_id) {
          for (const price of await priceRepository.list(tx, tenantId, { includeArchived: true, productId: id })) {
            await enqueueOne(tx, tenantId, mode, 'price', price.id);
          }
        }
      });
      return;
    }

    const readPrice = () =>
      withTenant(db, tenantId, async (tx) => {
        const row = await priceRepository.findById(tx, tenantId, id);
        return [row, await syncRepository.find(tx, tenantId, mode, 'price', id), row ? await syncRepository.find(tx, tenantId, mode, 'product', row.product_id) : undefined] as const;
      });
    let [price, state, productState] = await readPrice();
    if (!price) return;
    if (!productState?.stripe_id) {
      // The product is not in Stripe yet: push it first (its own job, if running too, uses the same idempotency key).
      await run(tenantId, { mode, type: 'product', id: price.product_id }, job);
      [price, state, productState] = await readPrice();
      if (!price || !productState?.stripe_id) throw new Error('the price’s product could not be synced first');
    }
    const result = await pushPrice(
      client.stripe,
      {
        tollgateId: price.id,
        key: price.key,
        stripeProductId: productState.stripe_id,
        currency: price.currency,
        unitAmount: price.unit_amount,
        interval: price.interval,
        intervalCount: price.interval_count,
        nickname: price.nickname,
        active: price.active,
        version: price.version,
      },
      state?.stripe_id ?? null,
      keys(price.version),
    );
    await withTenant(db, tenantId, async (tx) => {
      const current = await priceRepository.findById(tx, tenantId, id);
      await stripePriceRepository.setCurrent(tx, tenantId, mode, { id: price.id, productId: price.product_id }, result.stripeId, clock.now());
      await syncRepository.markSynced(tx, tenantId, mode, 'price', id, { stripeId: result.stripeId, version: price.version, currentVersion: current?.version ?? price.version, at: clock.now() });
    });
    if (result.replaced) logger.info({ tenantId, mode, price: price.key, old: result.replaced, new: result.stripeId }, 'stripe price replaced');
  }

  return {
    /** Marks an object pending and queues its push to every connected mode (in the caller's transaction). */
    async enqueue(tx: Queryable, tenantId: string, type: CatalogObjectType, id: string, modes?: Mode[]): Promise<void> {
      for (const mode of modes ?? (await connectedModes(tx, tenantId))) await enqueueOne(tx, tenantId, mode, type, id);
    },

    /**
     * Queues every product and price for `mode` (connecting a key, or POST
     * /v1/catalog/sync). Prices of products not yet in that Stripe account are
     * marked pending now and queued by their product's job once it exists.
     */
    async enqueueAll(tx: Queryable, tenantId: string, mode: Mode): Promise<number> {
      const products = await productRepository.list(tx, tenantId, true);
      for (const p of products) await enqueueOne(tx, tenantId, mode, 'product', p.id);
      const inStripe = new Set((await syncRepository.list(tx, tenantId)).filter((r) => r.mode === mode && r.object_type === 'product' && r.stripe_id).map((r) => r.object_id));
      const prices = await priceRepository.list(tx, tenantId, { includeArchived: true });
      for (const p of prices) {
        if (inStripe.has(p.product_id)) await enqueueOne(tx, tenantId, mode, 'price', p.id);
        else await syncRepository.markPending(tx, tenantId, mode, 'price', p.id, clock.now());
      }
      return products.length + prices.length;
    },

    connectedModes,

    /** The job queue handler. */
    handler: {
      queue: SYNC_QUEUE,
      backoff,
      async handle(job: JobRow) {
        const payload = job.payload as unknown as SyncPayload;
        const tenantId = job.tenant_id!;
        try {
          await run(tenantId, payload, job);
        } catch (err) {
          const failure = describeStripeError(err);
          const nextRetry = job.attempts < job.max_attempts ? new Date(clock.now().getTime() + backoff(job.attempts)) : null;
          await withTenant(db, tenantId, (tx) =>
            syncRepository.markError(tx, tenantId, payload.mode, payload.type, payload.id, `${failure.type}${failure.code ? ` (${failure.code})` : ''}: ${failure.message}`, nextRetry, clock.now()),
          );
          if (failure.type === 'StripeAuthenticationError') await providers.markError(tenantId, payload.mode, 'Stripe rejected the stored key; connect a new one');
          throw err;
        }
      },
    },
  };
}

export type CatalogSync = ReturnType<typeof createCatalogSync>;

export type { SyncRow };
