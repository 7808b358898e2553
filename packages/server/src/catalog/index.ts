/**
 * Assembles the catalog domain: CRUD service, Stripe sync, status, drift and
 * import behind one object on the app's services (`services.catalog`).
 */
import type { Db, Queryable } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { DomainEvents } from '../events/bus.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import type { JobRunner } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import { listStripeCatalog } from '../providers/stripe/catalog.ts';
import { stripeAppError } from '../providers/stripe/errors.ts';
import { createCatalogDrift, type CatalogEvent } from './drift.ts';
import { catalogErrors } from './errors.ts';
import { unmanagedRepository } from './repository.ts';
import { createCatalogService } from './service.ts';
import { listSyncStatus, priceMapping, type SyncStatus } from './status.ts';
import { createCatalogSync } from './sync.ts';

export function createCatalog(deps: { db: Db; clock: Clock; logger: Logger; events: DomainEvents; providers: ProviderService; jobs: JobRunner }) {
  const { db, clock, providers } = deps;
  const sync = createCatalogSync(deps);
  const drift = createCatalogDrift(deps);
  const service = createCatalogService({ clock, events: deps.events, sync });
  deps.jobs.register(sync.handler);
  deps.jobs.register(drift.handler);
  // Connecting a Stripe account for a mode syncs the whole catalog to it.
  providers.onConnected(async (tx, tenantId, mode) => {
    await sync.enqueueAll(tx, tenantId, mode);
  });

  return {
    ...service,
    sync,
    handleStripeEvent: (tx: Queryable, scope: { tenantId: string; mode: Mode }, event: CatalogEvent) => drift.handleStripeEvent(tx, scope, event),

    syncStatus: (tx: Queryable, tenantId: string, filter: { mode?: Mode; status?: SyncStatus }) => listSyncStatus(tx, sync, tenantId, filter),

    mapping: (tx: Queryable, tenantId: string, mode: Mode) => priceMapping(tx, tenantId, mode),

    async resync(tx: Queryable, tenantId: string, mode?: Mode) {
      const modes = mode ? [mode] : await sync.connectedModes(tx, tenantId);
      let queued = 0;
      for (const m of modes) {
        if (!(await providers.isConnected(tx, tenantId, m))) throw catalogErrors.not_connected(`No Stripe account is connected for ${m} mode: PUT /v1/providers/stripe/${m} first.`);
        queued += await sync.enqueueAll(tx, tenantId, m);
      }
      return { queued, modes };
    },

    async listUnmanaged(tx: Queryable, tenantId: string, filter: { mode?: Mode; status?: 'unmanaged' | 'ignored' | 'adopted' }) {
      const rows = await unmanagedRepository.list(tx, tenantId, { mode: filter.mode, status: filter.status ?? 'unmanaged' });
      return rows.map((r) => ({ mode: r.mode, stripe_id: r.stripe_id, object: r.object_type, status: r.status, data: r.data, first_seen_at: r.first_seen_at.toISOString() }));
    },

    async adopt(tx: Queryable, scope: TenantScope, mode: Mode, stripeId: string, key?: string) {
      const adopted = await drift.adopt(tx, scope.tenantId, mode, stripeId, key);
      await sync.enqueue(tx, scope.tenantId, adopted.type, adopted.id);
      return { object: adopted.type, key: adopted.key, stripe_id: stripeId, mode };
    },

    ignore: (tx: Queryable, scope: TenantScope, mode: Mode, stripeId: string) => drift.ignore(tx, scope, mode, stripeId),

    /** Adopts every product and price of the tenant's connected Stripe account (CLI `catalog import`). */
    async importFromStripe(tenantId: string, mode: Mode) {
      const client = await providers.stripeFor(tenantId, mode);
      if (!client) throw catalogErrors.not_connected(`No Stripe account is connected for ${mode} mode.`);
      let catalog;
      try {
        catalog = await listStripeCatalog(client.stripe);
      } catch (err) {
        throw stripeAppError(err, 'reading the Stripe catalog');
      }
      return withTenant(db, tenantId, async (tx) => {
        const result = await drift.importCatalog(tx, tenantId, mode, catalog);
        await sync.enqueueAll(tx, tenantId, mode);
        return result;
      });
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
