/** Read routes of the billing ledger: subscriptions, invoices, disputes and early fraud warnings of the caller's mode. */
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import {
  disputesQuery,
  disputeView,
  fraudWarningsQuery,
  fraudWarningView,
  idParams,
  invoicesQuery,
  invoiceView,
  listOf,
  subscriptionDetail,
  subscriptionsQuery,
  subscriptionView,
} from './schemas.ts';

export function billingRoutes(s: AppServices): RouteDef[] {
  const b = s.billing;
  const read = { permission: 'tenant:read' } as const;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/subscriptions',
      summary: 'Subscriptions as last read from Stripe, newest first',
      tags: ['billing'],
      access: read,
      query: subscriptionsQuery,
      response: listOf(subscriptionView),
      handler: ({ scope, query }) => s.inTenant(scope.tenantId, (tx) => b.listSubscriptions(tx, scope.tenantId, scope.mode, query)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/subscriptions/:id',
      summary: 'One subscription with its items and customer',
      tags: ['billing'],
      access: read,
      params: idParams,
      response: subscriptionDetail,
      handler: ({ scope, params }) => s.inTenant(scope.tenantId, (tx) => b.getSubscription(tx, scope.tenantId, scope.mode, params.id)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/invoices',
      summary: 'Invoices, newest first',
      tags: ['billing'],
      access: read,
      query: invoicesQuery,
      response: listOf(invoiceView),
      handler: ({ scope, query }) => s.inTenant(scope.tenantId, (tx) => b.listInvoices(tx, scope.tenantId, scope.mode, query)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/disputes',
      summary: 'Disputes with their reason, status and evidence deadline, newest first',
      tags: ['billing'],
      access: read,
      query: disputesQuery,
      response: listOf(disputeView),
      handler: ({ scope, query }) => s.inTenant(scope.tenantId, (tx) => b.listDisputes(tx, scope.tenantId, scope.mode, query)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/fraud_warnings',
      summary: 'Radar early fraud warnings, newest first',
      tags: ['billing'],
      access: read,
      query: fraudWarningsQuery,
      response: listOf(fraudWarningView),
      handler: ({ scope, query }) => s.inTenant(scope.tenantId, (tx) => b.listFraudWarnings(tx, scope.tenantId, scope.mode, query)),
    }),
  ];
}
