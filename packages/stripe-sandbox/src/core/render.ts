/**
 * From stored entries to API JSON: per-kind renderers (a subscription shows its
 * items with their current prices), list envelopes, and `expand[]` — ids replaced
 * by objects along dotted paths (`data.customer`, `latest_invoice.payments`), with
 * includable fields (`line_items`, `payments`, `refunds`) fetched on request.
 * Expansion copies along the path and never touches stored objects.
 */
import { invalidRequest } from './errors.ts';
import type { Entry, Kind, Store } from './store.ts';

export type Json = Record<string, unknown>;

export interface ApiList<T = unknown> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

type Renderer = (entry: Entry, view: RenderView) => Json;
type Includer = (obj: Json, view: RenderView) => unknown;

/** What renderers and includers may look at. */
export interface RenderView {
  readonly store: Store;
  readonly account: string;
  /** Where the sandbox serves now (hosted page URLs follow it across restarts). */
  readonly baseUrl: string;
  render(entry: Entry): Json;
}

const renderers = new Map<Kind, Renderer>();
const includables = new Map<string, Record<string, Includer>>();

/** Fields that hold an id of another object, per `object` type, by dotted path. */
const EXPANDABLE: Record<string, Record<string, Kind>> = {
  customer: { 'invoice_settings.default_payment_method': 'payment_method', test_clock: 'test_helpers.test_clock' },
  product: { default_price: 'price' },
  price: { product: 'product' },
  subscription: {
    customer: 'customer',
    latest_invoice: 'invoice',
    default_payment_method: 'payment_method',
    test_clock: 'test_helpers.test_clock',
  },
  invoice: {
    customer: 'customer',
    'parent.subscription_details.subscription': 'subscription',
    default_payment_method: 'payment_method',
    test_clock: 'test_helpers.test_clock',
  },
  invoice_payment: { invoice: 'invoice', 'payment.payment_intent': 'payment_intent', 'payment.charge': 'charge' },
  line_item: { 'pricing.price_details.price': 'price', subscription: 'subscription' },
  payment_method: { customer: 'customer' },
  payment_intent: { customer: 'customer', latest_charge: 'charge', payment_method: 'payment_method' },
  charge: { customer: 'customer', payment_intent: 'payment_intent' },
  refund: { charge: 'charge', payment_intent: 'payment_intent' },
  dispute: { charge: 'charge', payment_intent: 'payment_intent' },
  'radar.early_fraud_warning': { charge: 'charge', payment_intent: 'payment_intent' },
  'checkout.session': { customer: 'customer', subscription: 'subscription', invoice: 'invoice', payment_intent: 'payment_intent' },
  'billing_portal.session': { configuration: 'billing_portal.configuration' },
};

export function registerRenderer(kind: Kind, fn: Renderer): void {
  renderers.set(kind, fn);
}

/** A field Stripe leaves out unless asked for with `expand[]` (e.g. a session's `line_items`). */
export function registerIncludable(objectType: string, field: string, fn: Includer): void {
  const table = includables.get(objectType) ?? {};
  table[field] = fn;
  includables.set(objectType, table);
}

export function createView(store: Store, account: string, baseUrl = ''): RenderView {
  const view: RenderView = {
    store,
    account,
    baseUrl,
    render(entry) {
      const fn = renderers.get(entry.kind);
      return fn ? fn(entry, view) : (entry.obj as unknown as Json);
    },
  };
  return view;
}

export function listOf(view: RenderView, entries: Entry[], url: string, hasMore: boolean): ApiList<Json> {
  return { object: 'list', data: entries.map((e) => view.render(e)), has_more: hasMore, url };
}

/** A hosted page URL on the sandbox's current address (the port may differ after a restart). */
export function rebase(url: string | null | undefined, baseUrl: string): string | null {
  if (!url) return url ?? null;
  return baseUrl ? url.replace(/^https?:\/\/[^/]+/, baseUrl) : url;
}

/** A deep copy, as events carry the object as it was when they happened. */
export function snapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolve(view: RenderView, kind: Kind, id: string): unknown {
  const entry = view.store.get(kind, view.account, id);
  if (entry) return view.render(entry);
  const gone = view.store.tombstone(id);
  if (gone && gone.kind === 'customer' && gone.account === view.account) return { id, object: 'customer', deleted: true };
  return id;
}

function cannotExpand(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand', saveIdempotent: false });
}

/** Replace the value at `segs` (inline objects along the way are copied). */
function updateAt(node: Json, segs: string[], fn: (value: unknown) => unknown): Json {
  const [head, ...rest] = segs as [string, ...string[]];
  const value = node[head];
  if (rest.length === 0) return { ...node, [head]: fn(value) };
  if (!isRecord(value)) return node;
  return { ...node, [head]: updateAt(value, rest, fn) };
}

function expandOne(view: RenderView, node: unknown, segs: string[], fullPath: string): unknown {
  if (segs.length === 0 || node === null || node === undefined) return node;
  if (!isRecord(node)) return node;
  const [head, ...rest] = segs as [string, ...string[]];
  if (node.object === 'list' && head === 'data' && Array.isArray(node.data)) {
    return { ...node, data: node.data.map((item) => expandOne(view, item, rest, fullPath)) };
  }
  const type = typeof node.object === 'string' ? node.object : '';
  const include = includables.get(type)?.[head];
  if (include) {
    const value = node[head] ?? include(node, view);
    return { ...node, [head]: expandOne(view, value, rest, fullPath) };
  }
  const table = EXPANDABLE[type] ?? {};
  for (let n = segs.length; n >= 1; n--) {
    const kind = table[segs.slice(0, n).join('.')];
    if (!kind) continue;
    return updateAt(node, segs.slice(0, n), (value) => {
      const target = typeof value === 'string' ? resolve(view, kind, value) : value;
      return expandOne(view, target, segs.slice(n), fullPath);
    });
  }
  const value = node[head];
  if (isRecord(value) && rest.length > 0) return { ...node, [head]: expandOne(view, value, rest, fullPath) };
  if (value === null && rest.length > 0) return node;
  return cannotExpand(fullPath);
}

/** Apply `expand[]` paths to a rendered object (or list). */
export function expand(view: RenderView, value: unknown, paths: readonly string[] | null | undefined): unknown {
  if (!paths || paths.length === 0) return value;
  let out = value;
  for (const path of paths) {
    const segs = path.split('.');
    // list hops (`data`) do not count toward Stripe's limit of four levels
    const depth = segs.filter((s) => s !== 'data').length;
    if (depth > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, { param: 'expand', saveIdempotent: false });
    if (segs.some((s) => s === '')) cannotExpand(path);
    out = expandOne(view, out, segs, path);
  }
  return out;
}
