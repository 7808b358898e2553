/**
 * The webhook event console: list and inspect received Stripe events with
 * their processing status, replay one, replay every failed one. (The intake
 * route itself is a plugin of its own: see intake.ts.)
 */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { eventList, eventParams, listEventsQuery, replayAllBody, webhookEventDetail, webhookEventView } from './schemas.ts';

export function webhookRoutes(s: AppServices): RouteDef[] {
  const w = s.webhooks.service;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/webhooks/events',
      summary: 'Received Stripe events of the current mode, newest first, with status, attempts and last error',
      tags: ['webhooks'],
      access: { permission: 'tenant:read' },
      query: listEventsQuery,
      response: eventList,
      async handler({ scope, query }) {
        return s.inTenant(scope.tenantId, (tx) => w.list(tx, scope.tenantId, scope.mode, query));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/webhooks/events/:id',
      summary: 'One received Stripe event with its payload',
      tags: ['webhooks'],
      access: { permission: 'tenant:read' },
      params: eventParams,
      response: webhookEventDetail,
      async handler({ scope, params }) {
        return s.inTenant(scope.tenantId, (tx) => w.get(tx, scope.tenantId, scope.mode, params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/webhooks/events/:id/replay',
      summary: 'Process a stored event again (re-reads its objects from Stripe)',
      tags: ['webhooks'],
      access: { permission: 'billing:operate' },
      params: eventParams,
      status: 202,
      response: webhookEventView,
      async handler({ scope, params }) {
        return s.inTenant(scope.tenantId, (tx) => w.replay(tx, scope, params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/webhooks/events/replay',
      summary: 'Process every failed event of the current mode again (1000 per call; repeat while has_more)',
      tags: ['webhooks'],
      access: { permission: 'billing:operate' },
      body: replayAllBody,
      status: 202,
      response: z.object({ replayed: z.number(), has_more: z.boolean() }),
      async handler({ scope, body }) {
        return s.inTenant(scope.tenantId, (tx) => w.replayFailed(tx, scope, body.type));
      },
    }),
  ];
}
