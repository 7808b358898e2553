/** Catalog routes: features, products, prices (CRUD + archive). */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import {
  createFeatureBody,
  createPriceBody,
  createProductBody,
  featureView,
  keyParams,
  listQuery,
  priceView,
  productView,
  updateFeatureBody,
  updatePriceBody,
  updateProductBody,
} from './schemas.ts';

const read = { permission: 'tenant:read' } as const;
const write = { permission: 'catalog:write' } as const;

export function catalogRoutes(s: AppServices): RouteDef[] {
  const c = s.catalog;
  const inTenant = s.inTenant;
  return [
    defineRoute({ method: 'GET', url: '/v1/features', summary: 'List features', tags: ['catalog'], access: read, query: listQuery,
      response: z.object({ data: z.array(featureView) }),
      handler: async ({ scope, query }) => ({ data: await inTenant(scope.tenantId, (tx) => c.listFeatures(tx, scope.tenantId, query.include_archived === 'true')) }) }),
    defineRoute({ method: 'POST', url: '/v1/features', summary: 'Create a feature', tags: ['catalog'], access: write, body: createFeatureBody, status: 201, response: featureView,
      handler: ({ scope, body }) => inTenant(scope.tenantId, (tx) => c.createFeature(tx, scope, body)) }),
    defineRoute({ method: 'GET', url: '/v1/features/:key', summary: 'Get a feature', tags: ['catalog'], access: read, params: keyParams, response: featureView,
      handler: ({ scope, params }) => inTenant(scope.tenantId, (tx) => c.getFeature(tx, scope.tenantId, params.key)) }),
    defineRoute({ method: 'PATCH', url: '/v1/features/:key', summary: 'Update a feature', tags: ['catalog'], access: write, params: keyParams, body: updateFeatureBody, response: featureView,
      handler: ({ scope, params, body }) => inTenant(scope.tenantId, (tx) => c.updateFeature(tx, scope, params.key, body)) }),
    defineRoute({ method: 'DELETE', url: '/v1/features/:key', summary: 'Archive a feature (products stop granting it)', tags: ['catalog'], access: write, params: keyParams, response: featureView,
      handler: ({ scope, params }) => inTenant(scope.tenantId, (tx) => c.archiveFeature(tx, scope, params.key)) }),

    defineRoute({ method: 'GET', url: '/v1/products', summary: 'List products with their features', tags: ['catalog'], access: read, query: listQuery,
      response: z.object({ data: z.array(productView) }),
      handler: async ({ scope, query }) => ({ data: await inTenant(scope.tenantId, (tx) => c.listProducts(tx, scope.tenantId, query.include_archived === 'true')) }) }),
    defineRoute({ method: 'POST', url: '/v1/products', summary: 'Create a product and the features it grants; syncs to Stripe', tags: ['catalog'], access: write, body: createProductBody, status: 201, response: productView,
      handler: ({ scope, body }) => inTenant(scope.tenantId, (tx) => c.createProduct(tx, scope, body)) }),
    defineRoute({ method: 'GET', url: '/v1/products/:key', summary: 'Get a product', tags: ['catalog'], access: read, params: keyParams, response: productView,
      handler: ({ scope, params }) => inTenant(scope.tenantId, (tx) => c.getProduct(tx, scope.tenantId, params.key)) }),
    defineRoute({ method: 'PATCH', url: '/v1/products/:key', summary: 'Update a product; `features` replaces the set', tags: ['catalog'], access: write, params: keyParams, body: updateProductBody, response: productView,
      handler: ({ scope, params, body }) => inTenant(scope.tenantId, (tx) => c.updateProduct(tx, scope, params.key, body)) }),
    defineRoute({ method: 'DELETE', url: '/v1/products/:key', summary: 'Archive a product (inactive in Stripe; subscribers keep access)', tags: ['catalog'], access: write, params: keyParams, response: productView,
      handler: ({ scope, params }) => inTenant(scope.tenantId, (tx) => c.archiveProduct(tx, scope, params.key)) }),

    defineRoute({ method: 'GET', url: '/v1/prices', summary: 'List prices', tags: ['catalog'], access: read, query: listQuery,
      response: z.object({ data: z.array(priceView) }),
      handler: async ({ scope, query }) => ({
        data: await inTenant(scope.tenantId, (tx) => c.listPrices(tx, scope.tenantId, { includeArchived: query.include_archived === 'true', product: query.product })),
      }) }),
    defineRoute({ method: 'POST', url: '/v1/prices', summary: 'Create a price; syncs to Stripe with lookup_key = key', tags: ['catalog'], access: write, body: createPriceBody, status: 201, response: priceView,
      handler: ({ scope, body }) => inTenant(scope.tenantId, (tx) => c.createPrice(tx, scope, body)) }),
    defineRoute({ method: 'GET', url: '/v1/prices/:key', summary: 'Get a price', tags: ['catalog'], access: read, params: keyParams, response: priceView,
      handler: ({ scope, params }) => inTenant(scope.tenantId, (tx) => c.getPrice(tx, scope.tenantId, params.key)) }),
    defineRoute({ method: 'PATCH', url: '/v1/prices/:key', summary: 'Update a price; a new amount, currency or interval creates a new Stripe price and archives the old', tags: ['catalog'], access: write, params: keyParams, body: updatePriceBody, response: priceView,
      handler: ({ scope, params, body }) => inTenant(scope.tenantId, (tx) => c.updatePrice(tx, scope, params.key, body)) }),
    defineRoute({ method: 'DELETE', url: '/v1/prices/:key', summary: 'Archive a price (no new subscriptions; existing ones continue)', tags: ['catalog'], access: write, params: keyParams, response: priceView,
      handler: ({ scope, params }) => inTenant(scope.tenantId, (tx) => c.archivePrice(tx, scope, params.key)) }),
  ];
}
