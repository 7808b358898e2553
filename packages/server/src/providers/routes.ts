/** Routes to connect, inspect and disconnect a tenant's Stripe account per mode. */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import type { TenantScope } from '../http/context.ts';
import { httpErrors } from '../http/errors.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { MODES } from '../http/context.ts';
import { connectBody, connectionView, modeParams } from './schemas.ts';

/** An API key acts in its own mode only. */
function checkKeyMode(scope: TenantScope, mode: string): void {
  if (scope.actor.type === 'api_key' && scope.mode !== mode) {
    throw httpErrors.forbidden(`A ${scope.mode}-mode API key cannot change the ${mode}-mode connection.`);
  }
}

export function providerRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/providers',
      summary: 'Stripe connection status of both modes',
      tags: ['providers'],
      access: { permission: 'tenant:read' },
      response: z.object({ data: z.array(connectionView) }),
      async handler({ scope }) {
        return {
          data: await s.inTenant(scope.tenantId, async (tx) => {
            const views = [];
            for (const m of MODES) views.push(await s.providers.get(tx, scope.tenantId, m));
            return views;
          }),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/providers/stripe/:mode',
      summary: 'Stripe connection of one mode (the key is never returned, only its last 4 characters)',
      tags: ['providers'],
      access: { permission: 'tenant:read' },
      params: modeParams,
      response: connectionView,
      async handler({ scope, params }) {
        return s.inTenant(scope.tenantId, (tx) => s.providers.get(tx, scope.tenantId, params.mode));
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v1/providers/stripe/:mode',
      summary: 'Connect a Stripe account by key: checks the key, stores it encrypted, registers the webhook endpoint, syncs the catalog',
      tags: ['providers'],
      access: { permission: 'settings:write' },
      params: modeParams,
      body: connectBody,
      response: connectionView,
      async handler({ scope, params, body }) {
        checkKeyMode(scope, params.mode);
        return s.providers.connect(scope, params.mode, body);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/providers/stripe/:mode',
      summary: 'Disconnect: removes the stored key and Tollgate’s webhook endpoint',
      tags: ['providers'],
      access: { permission: 'settings:write' },
      params: modeParams,
      response: connectionView,
      async handler({ scope, params }) {
        checkKeyMode(scope, params.mode);
        return s.providers.disconnect(scope, params.mode);
      },
    }),
  ];
}
