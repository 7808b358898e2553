/** Routes of customer tokens, Checkout and the customer portal. */
import type { FastifyRequest } from 'fastify';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { checkoutView, createCheckoutBody, createPortalBody, customerTokenBody, customerTokenView, portalView } from './schemas.ts';
import { CUSTOMER_TOKEN_HEADER, type CallerInfo } from './service.ts';

function callerInfo(request: FastifyRequest): CallerInfo {
  const token = request.headers[CUSTOMER_TOKEN_HEADER];
  return { ip: request.ip, customerToken: typeof token === 'string' && token ? token : undefined };
}

export function checkoutRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/customer_tokens',
      summary: 'Mint a short-lived token that lets a browser or app act for one customer with the publishable key',
      tags: ['checkout'],
      access: { permission: 'billing:operate', keys: ['secret'], session: false },
      body: customerTokenBody,
      response: customerTokenView,
      status: 201,
      handler: ({ scope, body }) => s.checkout.mintToken(scope, body.customer, body.ttl_seconds),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/checkout/sessions',
      summary: 'Start a Stripe Checkout for a price (secret key, or publishable key + Tollgate-Customer-Token)',
      tags: ['checkout'],
      access: { permission: 'billing:operate', keys: ['secret', 'publishable'] },
      body: createCheckoutBody,
      response: checkoutView,
      status: 201,
      handler: ({ scope, body, request }) => s.checkout.createCheckout(scope, callerInfo(request), body),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/portal/sessions',
      summary: 'Open the Stripe Customer Portal for a customer (secret key, or publishable key + Tollgate-Customer-Token)',
      tags: ['checkout'],
      access: { permission: 'billing:operate', keys: ['secret', 'publishable'] },
      body: createPortalBody,
      response: portalView,
      status: 201,
      handler: ({ scope, body, request }) => s.checkout.createPortal(scope, callerInfo(request), body),
    }),
  ];
}
