/** API key routes: create (shown once), list, revoke. */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { apiKeyView, createApiKeyBody, idParams, listApiKeysQuery } from './schemas.ts';

export function apiKeyRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/api_keys',
      summary: 'List API keys of the tenant (never the keys themselves)',
      tags: ['api keys'],
      access: { permission: 'keys:manage' },
      query: listApiKeysQuery,
      response: z.object({ data: z.array(apiKeyView) }),
      async handler({ scope, query }) {
        const filter = { mode: query.mode, includeRevoked: query.include_revoked === 'true' };
        return { data: await s.inTenant(scope.tenantId, (tx) => s.apiKeys.list(tx, scope.tenantId, filter)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/api_keys',
      summary: 'Create an API key; the response is the only time the key is shown',
      tags: ['api keys'],
      access: { permission: 'keys:manage' },
      body: createApiKeyBody,
      status: 201,
      response: apiKeyView.extend({ key: z.string() }),
      async handler({ scope, body }) {
        const created = await s.inTenant(scope.tenantId, async (tx) => {
          const result = await s.apiKeys.createForScope(tx, scope, body);
          await s.tenants.audit(tx, scope, 'api_key.created', result.key.id, { mode: result.key.mode, kind: result.key.kind });
          return result;
        });
        return { ...created.key, key: created.token };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/api_keys/:id',
      summary: 'Revoke an API key; it stops working in every server process at once',
      tags: ['api keys'],
      access: { permission: 'keys:manage' },
      params: idParams,
      response: apiKeyView,
      async handler({ scope, params }) {
        return s.inTenant(scope.tenantId, async (tx) => {
          const key = await s.apiKeys.revoke(tx, scope.tenantId, params.id);
          await s.tenants.audit(tx, scope, 'api_key.revoked', key.id);
          return key;
        });
      },
    }),
  ];
}
