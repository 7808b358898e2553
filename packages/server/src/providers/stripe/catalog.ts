/**
 * The catalog's side of the Stripe boundary: pushing Tollgate products and
 * prices to Stripe (with idempotency keys, prices replaced rather than edited
 * when an immutable field changes), reading a Stripe catalog for import, and
 * turning `product.*`/`price.*` events into neutral records for drift checks.
 */
import type Stripe from 'stripe';

export interface ProductPush {
  tollgateId: string;
  key: string;
  name: string;
  description: string;
  active: boolean;
  metadata: Record<string, string>;
  version: number;
}

export interface PricePush {
  tollgateId: string;
  key: string;
  stripeProductId: string;
  currency: string;
  unitAmount: number;
  interval: 'day' | 'week' | 'month' | 'year' | null;
  intervalCount: number;
  nickname: string;
  active: boolean;
  version: number;
}

/** A Stripe product in neutral terms. */
export interface StripeCatalogProduct {
  kind: 'product';
  stripeId: string;
  name: string;
  description: string;
  active: boolean;
  deleted: boolean;
  metadata: Record<string, string>;
  tollgateId: string | null;
  tollgateVersion: number | null;
}

/** A Stripe price in neutral terms. */
export interface StripeCatalogPrice {
  kind: 'price';
  stripeId: string;
  stripeProductId: string;
  currency: string;
  unitAmount: number | null;
  interval: 'day' | 'week' | 'month' | 'year' | null;
  intervalCount: number;
  lookupKey: string | null;
  nickname: string;
  active: boolean;
  deleted: boolean;
  metadata: Record<string, string>;
  tollgateId: string | null;
  tollgateVersion: number | null;
}

export type StripeCatalogObject = StripeCatalogProduct | StripeCatalogPrice;

function version(metadata: Record<string, string> | null | undefined): number | null {
  const raw = metadata?.tollgate_version;
  return raw && /^\d+$/.test(raw) ? Number(raw) : null;
}

export function fromStripeProduct(p: Stripe.Product | Stripe.DeletedProduct): StripeCatalogProduct {
  if ('deleted' in p && p.deleted) {
    return { kind: 'product', stripeId: p.id, name: '', description: '', active: false, deleted: true, metadata: {}, tollgateId: null, tollgateVersion: null };
  }
  const product = p as Stripe.Product;
  return {
    kind: 'product',
    stripeId: product.id,
    name: product.name,
    description: product.description ?? '',
    active: product.active,
    deleted: false,
    metadata: product.metadata ?? {},
    tollgateId: product.metadata?.tollgate_id ?? null,
    tollgateVersion: version(product.metadata),
  };
}

export function fromStripePrice(p: Stripe.Price | Stripe.DeletedPrice): StripeCatalogPrice {
  if ('deleted' in p && p.deleted) {
    return {
      kind: 'price', stripeId: p.id, stripeProductId: '', currency: '', unitAmount: null, interval: null, intervalCount: 1, lookupKey: null,
      nickname: '', active: false, deleted: true, metadata: {}, tollgateId: null, tollgateVersion: null,
    };
  }
  const price = p as Stripe.Price;
  return {
    kind: 'price',
    stripeId: price.id,
    stripeProductId: typeof price.product === 'string' ? price.product : price.product.id,
    currency: price.currency,
    unitAmount: price.unit_amount,
    interval: (price.recurring?.interval ?? null) as StripeCatalogPrice['interval'],
    intervalCount: price.recurring?.interval_count ?? 1,
    lookupKey: price.lookup_key,
    nickname: price.nickname ?? '',
    active: price.active,
    deleted: false,
    metadata: price.metadata ?? {},
    tollgateId: price.metadata?.tollgate_id ?? null,
    tollgateVersion: version(price.metadata),
  };
}

/** A `product.*` or `price.*` event as a neutral record; null for other events. */
export function catalogObjectFromEvent(event: { type: string; data: { object: unknown } }): StripeCatalogObject | null {
  if (event.type.startsWith('product.')) return fromStripeProduct(event.data.object as Stripe.Product);
  if (event.type.startsWith('price.')) return fromStripePrice(event.data.object as Stripe.Price);
  return null;
}

function isMissing(err: unknown): boolean {
  return (err as { code?: string }).code === 'resource_missing';
}

/**
 * Idempotency keys of one push. `create` is bound to the object's version, so a
 * retried create with a lost answer replays instead of duplicating; `update`
 * is bound to the sync job too, so a deliberate re-sync (after drift) really
 * sends the update again instead of replaying the earlier one.
 */
export interface PushKeys {
  create: string;
  update: string;
  /** A previous attempt may have created the object without us learning its id. */
  mayExist: boolean;
}

async function findProductByTollgateId(stripe: Stripe, tollgateId: string): Promise<string | null> {
  for await (const product of stripe.products.list({ limit: 100 })) {
    if (product.metadata?.tollgate_id === tollgateId) return product.id;
  }
  return null;
}

/** Creates or updates the Stripe product; returns its id. */
export async function pushProduct(stripe: Stripe, p: ProductPush, stripeId: string | null, keys: PushKeys): Promise<string> {
  const params = {
    name: p.name,
    description: p.description || undefined,
    active: p.active,
    metadata: { ...p.metadata, tollgate_id: p.tollgateId, tollgate_key: p.key, tollgate_version: String(p.version) },
  };
  const existing = stripeId ?? (keys.mayExist ? await findProductByTollgateId(stripe, p.tollgateId) : null);
  if (existing) {
    try {
      await stripe.products.update(existing, params, { idempotencyKey: keys.update });
      return existing;
    } catch (err) {
      if (!isMissing(err)) throw err;
      // Deleted in Stripe: Tollgate is the source of truth, so it is created again.
      const created = await stripe.products.create(params, { idempotencyKey: `${keys.create}:after:${existing}` });
      return created.id;
    }
  }
  const created = await stripe.products.create(params, { idempotencyKey: keys.create });
  return created.id;
}

function samePriceTerms(current: Stripe.Price, p: PricePush): boolean {
  return (
    current.currency === p.currency &&
    current.unit_amount === p.unitAmount &&
    (current.recurring?.interval ?? null) === p.interval &&
    (p.interval === null || (current.recurring?.interval_count ?? 1) === p.intervalCount) &&
    current.product === p.stripeProductId
  );
}

export interface PricePushResult {
  stripeId: string;
  /** The Stripe price this push replaced and archived (its subscribers stay on it). */
  replaced: string | null;
}

/**
 * Stripe prices are immutable in amount, currency and interval: a change makes
 * a new price that takes over the lookup key, and the old one is archived.
 */
export async function pushPrice(stripe: Stripe, p: PricePush, stripeId: string | null, keys: PushKeys): Promise<PricePushResult> {
  const metadata = { tollgate_id: p.tollgateId, tollgate_key: p.key, tollgate_version: String(p.version) };
  let current: Stripe.Price | null = null;
  if (stripeId) {
    try {
      current = await stripe.prices.retrieve(stripeId);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
  if (current && samePriceTerms(current, p)) {
    await stripe.prices.update(
      current.id,
      { active: p.active, nickname: p.nickname || undefined, metadata, lookup_key: p.key, transfer_lookup_key: true },
      { idempotencyKey: keys.update },
    );
    return { stripeId: current.id, replaced: null };
  }
  const created = await stripe.prices.create(
    {
      product: p.stripeProductId,
      currency: p.currency,
      unit_amount: p.unitAmount,
      ...(p.interval ? { recurring: { interval: p.interval, interval_count: p.intervalCount } } : {}),
      lookup_key: p.key,
      transfer_lookup_key: true,
      nickname: p.nickname || undefined,
      active: p.active,
      metadata,
    },
    { idempotencyKey: current ? `${keys.create}:replacing:${current.id}` : keys.create },
  );
  if (current && current.active) {
    await stripe.prices.update(current.id, { active: false }, { idempotencyKey: `${keys.update}:archive:${current.id}` });
  }
  return { stripeId: created.id, replaced: current?.id ?? null };
}

/** Every product and price of the account (for import). */
export async function listStripeCatalog(stripe: Stripe): Promise<{ products: StripeCatalogProduct[]; prices: StripeCatalogPrice[] }> {
  const products: StripeCatalogProduct[] = [];
  for await (const product of stripe.products.list({ limit: 100 })) products.push(fromStripeProduct(product));
  const prices: StripeCatalogPrice[] = [];
  for await (const price of stripe.prices.list({ limit: 100 })) prices.push(fromStripePrice(price));
  return { products, prices };
}

/** Writes Tollgate's identity onto an adopted Stripe object. */
export async function tagStripeObject(stripe: Stripe, kind: 'product' | 'price', stripeId: string, tag: { tollgateId: string; key: string; version: number }) {
  const metadata = { tollgate_id: tag.tollgateId, tollgate_key: tag.key, tollgate_version: String(tag.version) };
  if (kind === 'product') await stripe.products.update(stripeId, { metadata });
  else await stripe.prices.update(stripeId, { metadata });
}

/** The current state of a product or price in Stripe (deleted when it no longer exists). */
export async function fetchCatalogObject(stripe: Stripe, kind: 'product' | 'price', stripeId: string): Promise<StripeCatalogObject> {
  try {
    return kind === 'product' ? fromStripeProduct(await stripe.products.retrieve(stripeId)) : fromStripePrice(await stripe.prices.retrieve(stripeId));
  } catch (err) {
    if (!isMissing(err)) throw err;
    return kind === 'product' ? fromStripeProduct({ id: stripeId, object: 'product', deleted: true }) : fromStripePrice({ id: stripeId, object: 'price', deleted: true });
  }
}
