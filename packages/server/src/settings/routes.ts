/** Tenant settings routes: read and change the allowed redirect origins. */
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { settingsView, updateSettingsBody } from './schemas.ts';

export function settingsRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/settings',
      summary: "The tenant's settings (allowed origins for Checkout and portal redirects)",
      tags: ['settings'],
      access: { permission: 'tenant:read' },
      response: settingsView,
      handler: ({ scope }) => s.inTenant(scope.tenantId, (tx) => s.settings.get(tx, scope.tenantId)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/settings',
      summary: "Change the tenant's settings; allowed_origins replaces the whole list",
      tags: ['settings'],
      access: { permission: 'settings:write' },
      body: updateSettingsBody,
      response: settingsView,
      handler: ({ scope, body }) => s.inTenant(scope.tenantId, (tx) => s.settings.update(tx, scope, body)),
    }),
  ];
}
