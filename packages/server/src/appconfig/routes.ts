/** The app config (and its /functions/v1/config alias) and the paywall editor. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppServices } from '../app/services.ts';
import { httpErrors } from '../http/errors.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import type { Mode } from '../http/context.ts';
import { appConfig, configQuery, paywall } from './schemas.ts';

export function appConfigRoutes(s: AppServices): RouteDef[] {
  async function respond(tenantId: string, mode: Mode, request: FastifyRequest, reply: FastifyReply) {
    const body = await s.inTenant(tenantId, (tx) => s.appConfig.build(tx, tenantId, mode));
    const etag = s.appConfig.etag(body);
    reply.header('etag', etag).header('cache-control', `public, max-age=${body.cache_ttl_seconds}`).header('vary', 'authorization, x-api-key');
    const match = request.headers['if-none-match'];
    if (match && match.split(',').some((t) => t.trim() === etag)) return reply.code(304).send();
    return body;
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/v1/config',
      summary: "The app's config: products with prices and features, features, providers, paywall, cache TTL (publishable key)",
      tags: ['app config'],
      access: { permission: 'tenant:read', keys: ['publishable', 'secret'] },
      response: appConfig,
      handler: ({ scope, request, reply }) => respond(scope.tenantId, scope.mode, request, reply),
    }),
    defineRoute({
      method: 'GET',
      url: '/functions/v1/config',
      summary: 'Alias of GET /v1/config taking the publishable key as ?apiKey= (for SDKs that cannot send headers)',
      tags: ['app config'],
      access: 'public',
      query: configQuery,
      response: appConfig,
      async handler({ query, request, reply }) {
        if (!query.apiKey) throw httpErrors.unauthenticated('Pass your publishable key as ?apiKey=tg_pk_…');
        const key = await s.apiKeys.authenticate(query.apiKey);
        if (!key) throw httpErrors.invalid_api_key('The API key is not valid or was revoked.');
        return respond(key.tenantId, key.mode, request, reply);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/paywall',
      summary: 'The paywall design',
      tags: ['app config'],
      access: { permission: 'tenant:read' },
      response: paywall,
      handler: ({ scope }) => s.inTenant(scope.tenantId, (tx) => s.appConfig.getPaywall(tx, scope.tenantId)),
    }),
    defineRoute({
      method: 'PUT',
      url: '/v1/paywall',
      summary: 'Set the paywall: headline, plan order, highlighted plan, feature bullets',
      tags: ['app config'],
      access: { permission: 'catalog:write' },
      body: paywall,
      response: paywall,
      handler: ({ scope, body }) => s.inTenant(scope.tenantId, (tx) => s.appConfig.setPaywall(tx, scope, body)),
    }),
  ];
}
