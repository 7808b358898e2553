/** Catalog sync routes: status per mode, re-sync, price mapping, unmanaged objects, adopt and ignore. */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { adoptBody, ignoreBody, mappingQuery, resyncBody, syncEntry, syncQuery, unmanagedQuery } from './schemas.ts';

export function catalogSyncRoutes(s: AppServices): RouteDef[] {
  const c = s.catalog;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/catalog/sync',
      summary: 'Sync status of every product and price per mode, with Stripe Dashboard links',
      tags: ['catalog'],
      access: { permission: 'tenant:read' },
      query: syncQuery,
      response: z.object({ data: z.array(syncEntry), summary: z.record(z.string(), z.number()) }),
      async handler({ scope, query }) {
        const data = await s.inTenant(scope.tenantId, (tx) => c.syncStatus(tx, scope.tenantId, query));
        const summary: Record<string, number> = {};
        for (const entry of data) summary[entry.status] = (summary[entry.status] ?? 0) + 1;
        return { data, summary };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/catalog/sync',
      summary: 'Re-sync the whole catalog to Stripe (one mode, or every connected mode); resolves drift in Tollgate’s favour',
      tags: ['catalog'],
      access: { permission: 'catalog:write' },
      body: resyncBody,
      status: 202,
      response: z.object({ queued: z.number(), modes: z.array(z.enum(['test', 'live'])) }),
      async handler({ scope, body }) {
        return s.inTenant(scope.tenantId, (tx) => c.resync(tx, scope.tenantId, body.mode));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/catalog/mapping',
      summary: 'The price mapping {"basic.monthly": "price_…"} of every active price synced to a mode',
      tags: ['catalog'],
      access: { permission: 'tenant:read' },
      query: mappingQuery,
      response: z.record(z.string(), z.string()),
      async handler({ scope, query }) {
        return s.inTenant(scope.tenantId, (tx) => c.mapping(tx, scope.tenantId, query.mode ?? scope.mode));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/catalog/unmanaged',
      summary: 'Products and prices found in Stripe that Tollgate does not own',
      tags: ['catalog'],
      access: { permission: 'tenant:read' },
      query: unmanagedQuery,
      async handler({ scope, query }) {
        return { data: await s.inTenant(scope.tenantId, (tx) => c.listUnmanaged(tx, scope.tenantId, query)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/catalog/adopt',
      summary: 'Adopt an unmanaged Stripe product or price into the catalog (maps it; creates nothing new in Stripe)',
      tags: ['catalog'],
      access: { permission: 'catalog:write' },
      body: adoptBody,
      status: 201,
      async handler({ scope, body }) {
        return s.inTenant(scope.tenantId, (tx) => c.adopt(tx, scope, body.mode, body.stripe_id, body.key));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/catalog/ignore',
      summary: 'Stop listing an unmanaged Stripe object',
      tags: ['catalog'],
      access: { permission: 'catalog:write' },
      body: ignoreBody,
      async handler({ scope, body }) {
        await s.inTenant(scope.tenantId, (tx) => c.ignore(tx, scope, body.mode, body.stripe_id));
      },
    }),
  ];
}
