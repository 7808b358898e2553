/** Customer routes: upsert by your app's user id, read, list. */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { customerView } from './service.ts';
import { customerView as customerSchema, externalIdParams, upsertCustomerBody } from './schemas.ts';

export function customerRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'PUT',
      url: '/v1/customers/:external_id',
      summary: "Create or update a customer by your app's user id (email, name); the Stripe customer is created on first need",
      tags: ['customers'],
      access: { permission: 'catalog:write' },
      params: externalIdParams,
      body: upsertCustomerBody,
      response: customerSchema,
      async handler({ scope, params, body, reply }) {
        const { row, created } = await s.inTenant(scope.tenantId, (tx) => s.customers.upsert(tx, scope.tenantId, scope.mode, params.external_id, body));
        reply.code(created ? 201 : 200);
        return customerView(row);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/customers/:external_id',
      summary: 'One customer',
      tags: ['customers'],
      access: { permission: 'tenant:read' },
      params: externalIdParams,
      response: customerSchema,
      async handler({ scope, params }) {
        return customerView(await s.inTenant(scope.tenantId, (tx) => s.customers.get(tx, scope.tenantId, scope.mode, params.external_id)));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/customers',
      summary: 'Customers of the current mode, by external id',
      tags: ['customers'],
      access: { permission: 'tenant:read' },
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), starting_after: z.string().max(255).optional() }),
      response: z.object({ data: z.array(customerSchema), has_more: z.boolean() }),
      async handler({ scope, query }) {
        const rows = await s.inTenant(scope.tenantId, (tx) => s.customers.list(tx, scope.tenantId, scope.mode, { limit: query.limit + 1, after: query.starting_after }));
        return { data: rows.slice(0, query.limit).map(customerView), has_more: rows.length > query.limit };
      },
    }),
  ];
}
