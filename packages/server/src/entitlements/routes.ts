/** Entitlement routes: the check (the hot path), a customer's whole set, and grants. */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { AppError } from '../http/errors.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { entitlementErrors } from './errors.ts';
import { checkQuery, checkResponse, createGrantBody, customerEntitlements, grantParams, grantsQuery, grantView } from './schemas.ts';
import { externalIdParams } from '../customers/schemas.ts';

export function entitlementRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/entitlements/check',
      summary: 'May this customer use this feature now? Fails closed (503) when it cannot tell',
      tags: ['entitlements'],
      access: { permission: 'tenant:read' },
      query: checkQuery,
      response: checkResponse,
      async handler({ scope, query, reply }) {
        reply.header('cache-control', 'no-store');
        try {
          return await s.entitlements.check(scope.tenantId, scope.mode, query.customer, query.feature);
        } catch (err) {
          throw err instanceof AppError ? err : entitlementErrors.entitlements_unavailable();
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/customers/:external_id/entitlements',
      summary: "A customer's current entitlements",
      tags: ['entitlements'],
      access: { permission: 'tenant:read' },
      params: externalIdParams,
      response: customerEntitlements,
      async handler({ scope, params }) {
        return s.inTenant(scope.tenantId, (tx) => s.entitlements.list(tx, scope.tenantId, scope.mode, params.external_id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/grants',
      summary: 'Give a customer a product or a feature without billing (support, partners, comps)',
      tags: ['entitlements'],
      access: { permission: 'billing:operate' },
      body: createGrantBody,
      status: 201,
      response: grantView,
      async handler({ scope, body }) {
        return s.inTenant(scope.tenantId, (tx) => s.grants.create(tx, scope, body));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/grants',
      summary: 'Grants, newest first',
      tags: ['entitlements'],
      access: { permission: 'tenant:read' },
      query: grantsQuery,
      response: z.object({ data: z.array(grantView) }),
      async handler({ scope, query }) {
        return { data: await s.inTenant(scope.tenantId, (tx) => s.grants.list(tx, scope, { customer: query.customer, includeRevoked: query.include_revoked === 'true' })) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/grants/:id',
      summary: 'Revoke a grant; access it gave ends at once',
      tags: ['entitlements'],
      access: { permission: 'billing:operate' },
      params: grantParams,
      response: grantView,
      async handler({ scope, params }) {
        return s.inTenant(scope.tenantId, (tx) => s.grants.revoke(tx, scope, params.id));
      },
    }),
  ];
}
