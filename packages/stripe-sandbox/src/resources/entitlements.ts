/**
 * Stripe Entitlements, as far as Tollgate reads them: features
 * (`/v1/entitlements/features`), features attached to products
 * (`/v1/products/:id/features`), a customer's active entitlements (the features of
 * the products of its active, trialing or past-due subscriptions), and
 * `entitlements.active_entitlement_summary.updated` whenever that set changes.
 * These endpoints are newer than the 2023 OpenAPI spec the tests validate against.
 */
import type Stripe from 'stripe';
import { invalidRequest } from '../core/errors.ts';
import { hashId } from '../core/ids.ts';
import { LIST, boolean, mergeMetadata, metadata, string } from '../core/params.ts';
import { listResponse, mustGet, route, type Route } from '../core/router.ts';
import { registerCommitHook, type Ctx } from '../core/runtime.ts';
import type { Entry, Store } from '../core/store.ts';

const ENTITLED: readonly string[] = ['active', 'trialing', 'past_due'];

/** A customer's active entitlements, by feature lookup key. */
export function activeEntitlements(store: Store, account: string, customer: string): Stripe.Entitlements.ActiveEntitlement[] {
  const features = new Map<string, Stripe.Entitlements.Feature>();
  for (const sub of store.byIndex('subscription', account, 'customer', customer)) {
    if (!ENTITLED.includes(sub.obj.status)) continue;
    for (const item of sub.obj.items.data) {
      for (const pf of store.byIndex('product_feature', account, 'product', item.price.product as string)) {
        const feature = store.get('entitlements.feature', account, pf.obj.entitlement_feature.id)?.obj;
        if (feature?.active) features.set(feature.id, feature);
      }
    }
  }
  return [...features.values()]
    .sort((a, b) => a.lookup_key.localeCompare(b.lookup_key))
    .map((f) => ({ id: hashId('ent_', `${account}:${customer}:${f.id}`, 24), object: 'entitlements.active_entitlement', feature: f.id, livemode: false, lookup_key: f.lookup_key }));
}

function summary(customer: string, list: Stripe.Entitlements.ActiveEntitlement[]): Stripe.Entitlements.ActiveEntitlementSummary {
  return {
    object: 'entitlements.active_entitlement_summary',
    customer,
    entitlements: { object: 'list', data: list, has_more: false, url: `/v1/customer/${customer}/entitlements` },
    livemode: false,
  };
}

/** Announce a changed set of active entitlements for the customers whose subscriptions changed. */
function announceEntitlementChanges(ctx: Ctx, events: readonly { type: string; object: Record<string, unknown> }[]): void {
  const customers = new Set<string>();
  for (const e of events) if (e.type.startsWith('customer.subscription.') && typeof e.object.customer === 'string') customers.add(e.object.customer);
  for (const id of customers) {
    const customer = ctx.get('customer', id);
    if (!customer) continue;
    const list = activeEntitlements(ctx.store, ctx.account, id);
    const keys = list.map((e) => e.lookup_key);
    const before = customer.meta.entitlements ?? [];
    if (keys.join('\n') === before.join('\n')) continue;
    const previous = activeEntitlementsFromKeys(ctx, id, before);
    customer.meta.entitlements = keys;
    ctx.rt.changed();
    ctx.emit('entitlements.active_entitlement_summary.updated', summary(id, list) as unknown as Record<string, unknown>, {
      entitlements: { data: previous } as unknown as Record<string, unknown>,
    });
  }
}

function activeEntitlementsFromKeys(ctx: Ctx, customer: string, keys: string[]): Stripe.Entitlements.ActiveEntitlement[] {
  return keys.flatMap((key) => {
    const feature = ctx.store.byIndex('entitlements.feature', ctx.account, 'lookup_key', key)[0];
    return feature ? [{ id: hashId('ent_', `${ctx.account}:${customer}:${feature.id}`, 24), object: 'entitlements.active_entitlement' as const, feature: feature.id, livemode: false, lookup_key: key }] : [];
  });
}

registerCommitHook(announceEntitlementChanges);

function productFeatures(ctx: Ctx, product: string): Entry<'product_feature'>[] {
  return ctx.store.byIndex('product_feature', ctx.account, 'product', product);
}

export const entitlementRoutes: Route[] = [
  route('POST', '/v1/entitlements/features', { name: string({ maxLength: 80 }).req(), lookup_key: string({ maxLength: 80 }).req(), metadata: metadata() }, (req) => {
    const { ctx, params: p } = req;
    if (ctx.store.byIndex('entitlements.feature', ctx.account, 'lookup_key', p.lookup_key).length > 0) {
      throw invalidRequest(`A feature with lookup_key ${p.lookup_key} already exists.`, { param: 'lookup_key', code: 'resource_already_exists' });
    }
    const feature: Stripe.Entitlements.Feature = { id: ctx.id('feature'), object: 'entitlements.feature', active: true, livemode: false, lookup_key: p.lookup_key, metadata: mergeMetadata({}, p.metadata), name: p.name };
    return ctx.render(ctx.insert('entitlements.feature', feature));
  }),
  route('GET', '/v1/entitlements/features/:id', {}, (req) => req.ctx.render(mustGet(req, 'entitlements.feature', req.path.id as string, 'feature'))),
  route('POST', '/v1/entitlements/features/:id', { name: string({ maxLength: 80 }), active: boolean(), metadata: metadata() }, (req) => {
    const feature = mustGet(req, 'entitlements.feature', req.path.id as string, 'feature');
    const p = req.params;
    req.ctx.update(feature, (f) => {
      if (p.name) f.name = p.name;
      if (p.active !== undefined && p.active !== null) f.active = p.active;
      if (p.metadata !== undefined) f.metadata = mergeMetadata(f.metadata, p.metadata);
    });
    return req.ctx.render(feature);
  }),
  route('GET', '/v1/entitlements/features', { ...LIST, lookup_key: string(), archived: boolean() }, (req) => {
    const { lookup_key: key, archived } = req.params;
    const store = req.rt.store;
    const candidates = key ? store.byIndex('entitlements.feature', req.account, 'lookup_key', key) : store.all('entitlements.feature', req.account);
    return listResponse(req, candidates, '/v1/entitlements/features', (e) => archived == null || e.obj.active === !archived);
  }),
  route('POST', '/v1/products/:id/features', { entitlement_feature: string().req(), metadata: metadata() }, (req) => {
    const product = mustGet(req, 'product', req.path.id as string, 'product');
    const feature = mustGet(req, 'entitlements.feature', req.params.entitlement_feature, 'feature', 'entitlement_feature');
    if (productFeatures(req.ctx, product.id).some((pf) => pf.obj.entitlement_feature.id === feature.id)) {
      throw invalidRequest('This feature is already attached to the product.', { param: 'entitlement_feature', code: 'resource_already_exists' });
    }
    const pf: Stripe.ProductFeature = { id: req.ctx.id('productFeature'), object: 'product_feature', entitlement_feature: feature.obj, livemode: false };
    const entry = req.rt.store.insert('product_feature', req.account, pf, { product: product.id });
    req.rt.changed();
    return req.ctx.render(entry);
  }),
  route('GET', '/v1/products/:id/features', { ...LIST }, (req) => {
    const product = mustGet(req, 'product', req.path.id as string, 'product');
    return listResponse(req, productFeatures(req.ctx, product.id), `/v1/products/${product.id}/features`);
  }),
  route('DELETE', '/v1/products/:product/features/:id', {}, (req) => {
    const entry = mustGet(req, 'product_feature', req.path.id as string, 'product feature');
    if (entry.meta.product !== req.path.product) throw invalidRequest(`No such product feature: '${entry.id}'`, { code: 'resource_missing', param: 'id', status: 404 });
    req.rt.store.remove(entry);
    req.rt.changed();
    return { id: entry.id, object: 'product_feature', deleted: true } satisfies Stripe.DeletedProductFeature;
  }),
  route('GET', '/v1/entitlements/active_entitlements', { ...LIST, customer: string().req() }, (req) => {
    const customer = mustGet(req, 'customer', req.params.customer, 'customer', 'customer');
    const list = activeEntitlements(req.rt.store, req.account, customer.id);
    const limit = req.params.limit ?? 10;
    const start = req.params.starting_after ? list.findIndex((e) => e.id === req.params.starting_after) + 1 : 0;
    return { object: 'list', data: list.slice(start, start + limit), has_more: start + limit < list.length, url: '/v1/entitlements/active_entitlements' };
  }),
];
