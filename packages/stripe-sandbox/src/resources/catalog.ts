/**
 * Products and prices. Prices are immutable in amount, currency and recurrence like
 * Stripe's (the update endpoint rejects those as unknown parameters); `lookup_key`
 * is unique per account and moves between prices with `transfer_lookup_key`.
 * Lists filter through indexes (a product's prices, prices by lookup key).
 */
import type Stripe from 'stripe';
import { invalidRequest } from '../core/errors.ts';
import { decimal } from '../core/money.ts';
import { LIST, array, boolean, integer, mergeMetadata, metadata, object, oneOf, range, string, ignored } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type ApiRequest, type Route } from '../core/router.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';

const recurringShape = object({
  interval: oneOf(['day', 'week', 'month', 'year']).req(),
  interval_count: integer({ min: 1, max: 365 }),
  usage_type: oneOf(['licensed', 'metered']),
  trial_period_days: integer({ min: 0, max: 730 }),
  meter: string(),
  aggregate_usage: ignored(),
});

const productFields = {
  name: string({ maxLength: 250 }),
  active: boolean(),
  description: string({ maxLength: 40000 }),
  metadata: metadata(),
  images: array(string(), { max: 8 }),
  url: string(),
  unit_label: string({ maxLength: 12 }),
  statement_descriptor: string({ maxLength: 22 }),
  tax_code: string(),
  shippable: boolean(),
  marketing_features: array(object({ name: string().req() }), { max: 15 }),
  package_dimensions: ignored(),
  tax_details: ignored(),
};

function checkCurrency(currency: string, param: string): string {
  const c = currency.toLowerCase();
  if (!/^[a-z]{3}$/.test(c)) throw invalidRequest(`Invalid currency: ${currency}. Stripe currently supports these currencies: usd, eur, gbp, …`, { param, code: 'parameter_invalid_string', saveIdempotent: false });
  return c;
}

export function lookupKeyOwner(ctx: Ctx, key: string): Entry<'price'> | undefined {
  return ctx.store.byIndex('price', ctx.account, 'lookup_key', key)[0];
}

/** Give `key` to `price`; with `transfer`, take it from the price holding it. */
function claimLookupKey(ctx: Ctx, key: string, transfer: boolean, priceId: string | null): void {
  const owner = lookupKeyOwner(ctx, key);
  if (!owner || owner.id === priceId) return;
  if (!transfer) throw invalidRequest(`A price (\`${owner.id}\`) already uses that lookup key.`, { param: 'lookup_key', code: 'lookup_key_already_used' });
  ctx.update(owner, (p) => {
    p.lookup_key = null;
  }, 'price.updated');
}

interface NewPrice {
  currency: string;
  product: string;
  unit_amount?: number | null;
  unit_amount_decimal?: string | null;
  recurring?: { interval: Stripe.Price.Recurring.Interval; interval_count?: number | null; usage_type?: Stripe.Price.Recurring.UsageType | null; trial_period_days?: number | null; meter?: string | null } | null;
  lookup_key?: string | null;
  transfer_lookup_key?: boolean | null;
  nickname?: string | null;
  metadata?: Record<string, string> | null;
  active?: boolean | null;
  tax_behavior?: Stripe.Price.TaxBehavior | null;
}

export function createPrice(ctx: Ctx, input: NewPrice): Entry<'price'> {
  let amount = input.unit_amount ?? null;
  if (amount === null && input.unit_amount_decimal) {
    if (!/^\d+(\.\d{1,12})?$/.test(input.unit_amount_decimal)) throw invalidRequest(`Invalid decimal: ${input.unit_amount_decimal}`, { param: 'unit_amount_decimal', saveIdempotent: false });
    amount = Math.round(Number(input.unit_amount_decimal));
  }
  if (amount === null) {
    throw invalidRequest('You must specify either `unit_amount` or `unit_amount_decimal` (tiered and customer-chosen prices are not supported by the sandbox).', { param: 'unit_amount', code: 'parameter_missing', saveIdempotent: false });
  }
  if (input.lookup_key) claimLookupKey(ctx, input.lookup_key, input.transfer_lookup_key ?? false, null);
  const r = input.recurring;
  const price: Stripe.Price = {
    id: ctx.id('price'),
    object: 'price',
    active: input.active ?? true,
    billing_scheme: 'per_unit',
    created: ctx.now,
    currency: checkCurrency(input.currency, 'currency'),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: input.lookup_key ?? null,
    metadata: mergeMetadata({}, input.metadata),
    nickname: input.nickname ?? null,
    product: input.product,
    recurring: r
      ? { interval: r.interval, interval_count: r.interval_count ?? 1, meter: r.meter ?? null, trial_period_days: r.trial_period_days ?? null, usage_type: r.usage_type ?? 'licensed' }
      : null,
    tax_behavior: input.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: r ? 'recurring' : 'one_time',
    unit_amount: amount,
    unit_amount_decimal: decimal(input.unit_amount_decimal ?? amount),
  };
  const entry = ctx.insert('price', price);
  ctx.emit('price.created', entry);
  return entry;
}

function productResponse(ctx: Ctx, entry: Entry<'product'>): unknown {
  return ctx.render(entry);
}

function createProduct(req: ApiRequest<any>): unknown {
  const { ctx } = req;
  const p = req.params;
  if (p.id && ctx.rt.store.has(p.id)) throw invalidRequest('Product already exists.', { param: 'id', code: 'resource_already_exists' });
  if (p.id && !/^[A-Za-z0-9_-]{1,200}$/.test(p.id)) throw invalidRequest(`Invalid product id: ${p.id}`, { param: 'id', saveIdempotent: false });
  const product: Stripe.Product = {
    id: p.id ?? ctx.id('product'),
    object: 'product',
    active: p.active ?? true,
    created: ctx.now,
    default_price: null,
    description: p.description ?? null,
    images: p.images ?? [],
    livemode: false,
    marketing_features: (p.marketing_features ?? []).map((f: { name: string }) => ({ name: f.name })),
    metadata: mergeMetadata({}, p.metadata),
    name: p.name,
    package_dimensions: null,
    shippable: p.shippable ?? null,
    statement_descriptor: p.statement_descriptor ?? null,
    tax_code: p.tax_code ?? null,
    tax_details: null,
    type: 'service',
    unit_label: p.unit_label ?? null,
    updated: ctx.now,
    url: p.url ?? null,
  };
  const entry = ctx.insert('product', product);
  ctx.emit('product.created', entry);
  const d = p.default_price_data;
  if (d) {
    const price = createPrice(ctx, { ...d, product: entry.id });
    ctx.update(entry, (o) => {
      o.default_price = price.id;
    });
  }
  return productResponse(ctx, entry);
}

const priceFields = {
  currency: string().req(),
  unit_amount: integer({ min: 0, max: 99999999 }),
  unit_amount_decimal: string(),
  recurring: recurringShape,
  lookup_key: string({ maxLength: 200 }),
  transfer_lookup_key: boolean(),
  nickname: string(),
  metadata: metadata(),
  active: boolean(),
  tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']),
  billing_scheme: oneOf(['per_unit']),
  currency_options: ignored(),
};

export const catalogRoutes: Route[] = [
  route('POST', '/v1/products', {
    ...productFields,
    name: string({ maxLength: 250 }).req(),
    id: string({ maxLength: 200 }),
    type: oneOf(['good', 'service']),
    default_price_data: object({
      currency: string().req(),
      unit_amount: integer({ min: 0, max: 99999999 }),
      unit_amount_decimal: string(),
      recurring: object({ interval: oneOf(['day', 'week', 'month', 'year']).req(), interval_count: integer({ min: 1, max: 365 }) }),
      tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']),
      currency_options: ignored(),
      metadata: metadata(),
    }),
  }, createProduct),
  route('GET', '/v1/products/:id', {}, (req) => productResponse(req.ctx, mustGet(req, 'product', req.path.id as string, 'product'))),
  route('POST', '/v1/products/:id', { ...productFields, default_price: string() }, (req) => {
    const product = mustGet(req, 'product', req.path.id as string, 'product');
    const p = req.params;
    if (p.default_price) {
      const price = mustGet(req, 'price', p.default_price, 'price', 'default_price');
      if (price.obj.product !== product.id) throw invalidRequest('The default price must belong to this product.', { param: 'default_price' });
    }
    if (p.name === null) throw invalidRequest('You passed an empty string for \'name\'. We assume empty values are an attempt to unset a parameter; however \'name\' cannot be unset.', { param: 'name', code: 'parameter_invalid_empty', saveIdempotent: false });
    req.ctx.update(product, (o) => {
      if (p.name) o.name = p.name;
      if (p.active !== undefined && p.active !== null) o.active = p.active;
      if (p.description !== undefined) o.description = p.description;
      if (p.metadata !== undefined) o.metadata = mergeMetadata(o.metadata, p.metadata);
      if (p.images !== undefined) o.images = p.images ?? [];
      if (p.url !== undefined) o.url = p.url;
      if (p.unit_label !== undefined) o.unit_label = p.unit_label;
      if (p.statement_descriptor !== undefined) o.statement_descriptor = p.statement_descriptor;
      if (p.tax_code !== undefined) o.tax_code = p.tax_code;
      if (p.shippable !== undefined) o.shippable = p.shippable;
      if (p.marketing_features !== undefined) o.marketing_features = (p.marketing_features ?? []).map((f) => ({ name: f.name }));
      if (p.default_price !== undefined) o.default_price = p.default_price;
      o.updated = req.ctx.now;
    }, 'product.updated');
    return productResponse(req.ctx, product);
  }),
  route('DELETE', '/v1/products/:id', {}, (req) => {
    const product = mustGet(req, 'product', req.path.id as string, 'product');
    if (req.rt.store.byIndex('price', req.account, 'product', product.id).length > 0) {
      throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.', { code: 'product_has_prices' });
    }
    req.ctx.emit('product.deleted', product);
    req.rt.store.remove(product);
    req.rt.changed();
    return { id: product.id, object: 'product', deleted: true } satisfies Stripe.DeletedProduct;
  }),
  route('GET', '/v1/products', { ...LIST, active: boolean(), ids: array(string()), created: range(), shippable: boolean(), url: string() }, (req) => {
    const { active, ids, shippable, url } = req.params;
    const created = createdFilter(req.params.created);
    const idSet = ids ? new Set(ids) : null;
    return listResponse(req, req.rt.store.all('product', req.account), '/v1/products', (e) =>
      (active == null || e.obj.active === active) &&
      (!idSet || idSet.has(e.id)) &&
      (shippable == null || e.obj.shippable === shippable) &&
      (!url || e.obj.url === url) &&
      created(e.obj.created));
  }),

  route('POST', '/v1/prices', {
    ...priceFields,
    product: string(),
    product_data: object({ name: string().req(), active: boolean(), metadata: metadata(), statement_descriptor: string(), unit_label: string(), tax_code: string(), id: string() }),
    custom_unit_amount: ignored(),
    tiers: ignored(),
    tiers_mode: ignored(),
    transform_quantity: ignored(),
  }, (req) => {
    const { ctx, params: p } = req;
    if (p.custom_unit_amount || p.tiers || p.tiers_mode) throw invalidRequest('Tiered and customer-chosen prices are not supported by the Stripe sandbox.', { saveIdempotent: false });
    let productId: string;
    if (p.product) {
      productId = mustGet(req, 'product', p.product, 'product', 'product').id;
    } else if (p.product_data) {
      const d = p.product_data;
      const product = createProduct({ ...req, params: { name: d.name, active: d.active, metadata: d.metadata, statement_descriptor: d.statement_descriptor, unit_label: d.unit_label, tax_code: d.tax_code, id: d.id } }) as { id: string };
      productId = product.id;
    } else {
      throw invalidRequest('Missing required param: product.', { param: 'product', code: 'parameter_missing', saveIdempotent: false });
    }
    return ctx.render(createPrice(ctx, { ...p, product: productId }));
  }),
  route('GET', '/v1/prices/:id', {}, (req) => req.ctx.render(mustGet(req, 'price', req.path.id as string, 'price'))),
  route('POST', '/v1/prices/:id', {
    active: boolean(),
    metadata: metadata(),
    nickname: string(),
    lookup_key: string({ maxLength: 200 }),
    transfer_lookup_key: boolean(),
    tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']),
    currency_options: ignored(),
  }, (req) => {
    const price = mustGet(req, 'price', req.path.id as string, 'price');
    const p = req.params;
    if (p.tax_behavior && price.obj.tax_behavior !== 'unspecified' && p.tax_behavior !== price.obj.tax_behavior) {
      throw invalidRequest('You cannot change `tax_behavior` once it has been set.', { param: 'tax_behavior' });
    }
    if (p.lookup_key) claimLookupKey(req.ctx, p.lookup_key, p.transfer_lookup_key ?? false, price.id);
    req.ctx.update(price, (o) => {
      if (p.active !== undefined && p.active !== null) o.active = p.active;
      if (p.metadata !== undefined) o.metadata = mergeMetadata(o.metadata, p.metadata);
      if (p.nickname !== undefined) o.nickname = p.nickname;
      if (p.lookup_key !== undefined) o.lookup_key = p.lookup_key;
      if (p.tax_behavior) o.tax_behavior = p.tax_behavior;
    }, 'price.updated');
    return req.ctx.render(price);
  }),
  route('GET', '/v1/prices', {
    ...LIST,
    active: boolean(),
    currency: string(),
    product: string(),
    type: oneOf(['one_time', 'recurring']),
    lookup_keys: array(string(), { max: 10 }),
    recurring: object({ interval: oneOf(['day', 'week', 'month', 'year']), usage_type: oneOf(['licensed', 'metered']), meter: string() }),
    created: range(),
  }, (req) => {
    const { active, currency, product, type, lookup_keys: keys, recurring } = req.params;
    const store = req.rt.store;
    let candidates: Entry<'price'>[];
    if (keys) candidates = keys.flatMap((k) => store.byIndex('price', req.account, 'lookup_key', k)).sort((a, b) => a.seq - b.seq);
    else if (product) candidates = store.byIndex('price', req.account, 'product', product);
    else candidates = store.all('price', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/prices', (e) => {
      const o = e.obj;
      return (active == null || o.active === active) &&
        (!currency || o.currency === currency.toLowerCase()) &&
        (!product || o.product === product) &&
        (!type || o.type === type) &&
        (!recurring?.interval || o.recurring?.interval === recurring.interval) &&
        (!recurring?.usage_type || o.recurring?.usage_type === recurring.usage_type) &&
        created(o.created);
    });
  }),
];
