/**
 * The sandbox's state: every Stripe object as an entry (id, kind, owning account,
 * creation sequence), kept in maps for O(1) lookups, in per-account lists in
 * creation order for pagination, and in secondary indexes (a customer's
 * subscriptions, a product's prices, …) so filtered lists do not scan everything.
 * Call `save(entry)` after changing an object so its index keys follow.
 */
import type Stripe from 'stripe';

export interface KindMap {
  customer: Stripe.Customer;
  product: Stripe.Product;
  price: Stripe.Price;
  'checkout.session': Stripe.Checkout.Session;
  subscription: Stripe.Subscription;
  subscription_item: Stripe.SubscriptionItem;
  invoice: Stripe.Invoice;
  invoice_payment: Stripe.InvoicePayment;
  payment_method: Stripe.PaymentMethod;
  payment_intent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
  refund: Stripe.Refund;
  dispute: Stripe.Dispute;
  'radar.early_fraud_warning': Stripe.Radar.EarlyFraudWarning;
  webhook_endpoint: Stripe.WebhookEndpoint;
  event: Stripe.Event;
  'test_helpers.test_clock': Stripe.TestHelpers.TestClock;
  'billing_portal.configuration': Stripe.BillingPortal.Configuration;
  'billing_portal.session': Stripe.BillingPortal.Session;
  'entitlements.feature': Stripe.Entitlements.Feature;
  product_feature: Stripe.ProductFeature;
}
export type Kind = keyof KindMap;

/** Sandbox-private facts about an object that Stripe does not show in its JSON. */
export interface EntryMeta {
  /** webhook_endpoint: the signing secret (shown once, on create). */
  secret?: string;
  /** webhook_endpoint: receives events of the platform's connected accounts. */
  connect?: boolean;
  /** customer: the next invoice number's sequence. */
  invoiceSeq?: number;
  /** subscription: `customer.subscription.trial_will_end` already sent. */
  trialWillEndSent?: boolean;
  /** invoice: payment retries done after the first failed attempt. */
  retries?: number;
  /** checkout.session: the creation options used when it is paid (subscription_data, …). */
  sessionOptions?: Record<string, unknown>;
  /** product_feature: the product it is attached to. */
  product?: string;
  /** customer: lookup keys of its active entitlements when last announced. */
  entitlements?: string[];
}

export interface Entry<K extends Kind = Kind> {
  readonly id: string;
  readonly kind: K;
  readonly account: string;
  readonly seq: number;
  obj: KindMap[K];
  meta: EntryMeta;
  removed?: boolean;
  /** index keys the entry is currently filed under */
  keys?: string[];
}

type IndexValue = string | null | undefined | readonly (string | null | undefined)[];
type IndexDefs = { [K in Kind]?: Record<string, (o: KindMap[K], meta: EntryMeta) => IndexValue> };

function idOf(v: string | { id: string } | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : v.id;
}

/** The secondary indexes filtered lists use. */
const INDEXES: IndexDefs = {
  customer: { email: (o) => o.email, test_clock: (o) => idOf(o.test_clock as string | null) },
  price: { product: (o) => idOf(o.product as string), lookup_key: (o) => o.lookup_key },
  subscription: {
    customer: (o) => idOf(o.customer as string),
    price: (o) => o.items.data.map((i) => i.price.id),
    item: (o) => o.items.data.map((i) => i.id),
    /** live subscriptions by the clock that drives them ('sandbox' or a test clock id) */
    domain: (o) => (o.status === 'canceled' || o.status === 'incomplete_expired' ? null : ((o.test_clock as string | null) ?? 'sandbox')),
  },
  subscription_item: { subscription: (o) => o.subscription },
  invoice: {
    customer: (o) => idOf(o.customer as string),
    subscription: (o) => idOf(o.parent?.subscription_details?.subscription as string | undefined),
  },
  invoice_payment: { invoice: (o) => idOf(o.invoice as string) },
  payment_method: { customer: (o) => idOf(o.customer as string) },
  payment_intent: { customer: (o) => idOf(o.customer as string) },
  charge: { customer: (o) => idOf(o.customer as string), payment_intent: (o) => idOf(o.payment_intent as string) },
  refund: { charge: (o) => idOf(o.charge as string), payment_intent: (o) => idOf(o.payment_intent as string) },
  dispute: { charge: (o) => idOf(o.charge as string), payment_intent: (o) => idOf(o.payment_intent as string) },
  'radar.early_fraud_warning': { charge: (o) => idOf(o.charge as string), payment_intent: (o) => idOf(o.payment_intent as string | undefined) },
  'checkout.session': {
    customer: (o) => idOf(o.customer as string),
    payment_intent: (o) => idOf(o.payment_intent as string),
    subscription: (o) => idOf(o.subscription as string),
    /** open sessions, so expiry does not scan completed ones */
    open: (o) => (o.status === 'open' ? 'open' : null),
  },
  event: { type: (o) => o.type },
  'entitlements.feature': { lookup_key: (o) => o.lookup_key },
  product_feature: { product: (_o, meta) => meta.product },
};

export interface PageOptions {
  limit: number;
  startingAfter?: number;
  endingBefore?: number;
}

/** First index in `list` whose seq is greater than `seq`. */
function upperBound(list: Entry[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Entry).seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface StoreDump {
  seq: number;
  entries: { id: string; kind: Kind; account: string; seq: number; obj: unknown; meta: EntryMeta }[];
  tombstones: [string, { kind: Kind; account: string }][];
}

export class Store {
  private seq = 0;
  private readonly byId = new Map<string, Entry>();
  private readonly lists = new Map<string, Entry[]>();
  private readonly indexes = new Map<string, Entry[]>();
  private readonly tombstones = new Map<string, { kind: Kind; account: string }>();

  insert<K extends Kind>(kind: K, account: string, obj: KindMap[K], meta: EntryMeta = {}): Entry<K> {
    const id = (obj as { id: string }).id;
    if (this.byId.has(id)) throw new Error(`duplicate id ${id}`);
    const entry: Entry<K> = { id, kind, account, seq: ++this.seq, obj, meta };
    this.byId.set(id, entry as Entry);
    this.listFor(kind, account).push(entry as Entry);
    this.reindex(entry as Entry);
    return entry;
  }

  get<K extends Kind>(kind: K, account: string, id: string): Entry<K> | undefined {
    const entry = this.byId.get(id);
    if (!entry || entry.kind !== kind || entry.account !== account) return undefined;
    return entry as Entry<K>;
  }

  /** Any live entry by id, whatever its kind or account (pagination cursors, expansion). */
  getAny(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id) || this.tombstones.has(id);
  }

  /** Was this id deleted (Stripe still answers a retrieve of a deleted customer)? */
  tombstone(id: string): { kind: Kind; account: string } | undefined {
    return this.tombstones.get(id);
  }

  /** Refile the entry under its current index keys. */
  save(entry: Entry): void {
    this.reindex(entry);
  }

  remove(entry: Entry): void {
    if (entry.removed) return;
    entry.removed = true;
    this.byId.delete(entry.id);
    this.tombstones.set(entry.id, { kind: entry.kind, account: entry.account });
    for (const key of entry.keys ?? []) this.unfile(key, entry);
    entry.keys = [];
    const list = this.lists.get(`${entry.account}|${entry.kind}`);
    if (list) {
      const i = upperBound(list, entry.seq) - 1;
      if (list[i] === entry) list.splice(i, 1);
    }
  }

  /** All live entries of a kind in an account, oldest first. */
  all<K extends Kind>(kind: K, account: string): Entry<K>[] {
    return this.listFor(kind, account) as Entry<K>[];
  }

  /** Entries filed under an index value, oldest first. */
  byIndex<K extends Kind>(kind: K, account: string, name: string, value: string): Entry<K>[] {
    return (this.indexes.get(`${account}|${kind}|${name}|${value}`) ?? []) as Entry<K>[];
  }

  /** Every account that owns at least one entry of this kind. */
  accountsWith(kind: Kind): string[] {
    const out: string[] = [];
    for (const key of this.lists.keys()) {
      const [account, k] = key.split('|');
      if (k === kind && account) out.push(account);
    }
    return out;
  }

  /**
   * One page, newest first, Stripe style: `startingAfter` gives older entries than
   * the cursor, `endingBefore` the newer ones closest to it.
   */
  page<K extends Kind>(list: Entry<K>[], opts: PageOptions, filter?: (e: Entry<K>) => boolean): { data: Entry<K>[]; hasMore: boolean } {
    const out: Entry<K>[] = [];
    const want = opts.limit + 1;
    if (opts.endingBefore !== undefined) {
      for (let i = upperBound(list, opts.endingBefore); i < list.length && out.length < want; i++) {
        const e = list[i] as Entry<K>;
        if (!e.removed && (!filter || filter(e))) out.push(e);
      }
      const hasMore = out.length > opts.limit;
      return { data: out.slice(0, opts.limit).reverse(), hasMore };
    }
    const start = opts.startingAfter !== undefined ? upperBound(list, opts.startingAfter - 1) - 1 : list.length - 1;
    for (let i = start; i >= 0 && out.length < want; i--) {
      const e = list[i] as Entry<K>;
      if (!e.removed && (!filter || filter(e))) out.push(e);
    }
    const hasMore = out.length > opts.limit;
    return { data: out.slice(0, opts.limit), hasMore };
  }

  dump(): StoreDump {
    const entries: StoreDump['entries'] = [];
    for (const list of this.lists.values()) {
      for (const e of list) entries.push({ id: e.id, kind: e.kind, account: e.account, seq: e.seq, obj: e.obj, meta: e.meta });
    }
    entries.sort((a, b) => a.seq - b.seq);
    return { seq: this.seq, entries, tombstones: [...this.tombstones] };
  }

  static load(dump: StoreDump): Store {
    const store = new Store();
    for (const d of dump.entries) {
      const entry: Entry = { id: d.id, kind: d.kind, account: d.account, seq: d.seq, obj: d.obj as KindMap[Kind], meta: d.meta ?? {} };
      store.byId.set(entry.id, entry);
      store.listFor(entry.kind, entry.account).push(entry);
      store.reindex(entry);
    }
    for (const [id, t] of dump.tombstones) store.tombstones.set(id, t);
    store.seq = dump.seq;
    return store;
  }

  private listFor(kind: Kind, account: string): Entry[] {
    const key = `${account}|${kind}`;
    let list = this.lists.get(key);
    if (!list) {
      list = [];
      this.lists.set(key, list);
    }
    return list;
  }

  private reindex(entry: Entry): void {
    const defs = INDEXES[entry.kind] as Record<string, (o: unknown, meta: EntryMeta) => IndexValue> | undefined;
    if (!defs) return;
    const next: string[] = [];
    for (const [name, fn] of Object.entries(defs)) {
      const value = fn(entry.obj, entry.meta);
      const values = Array.isArray(value) ? value : [value];
      for (const v of new Set(values)) {
        if (v !== null && v !== undefined && v !== '') next.push(`${entry.account}|${entry.kind}|${name}|${v}`);
      }
    }
    const prev = entry.keys ?? [];
    for (const key of prev) if (!next.includes(key)) this.unfile(key, entry);
    for (const key of next) if (!prev.includes(key)) this.file(key, entry);
    entry.keys = next;
  }

  private file(key: string, entry: Entry): void {
    let list = this.indexes.get(key);
    if (!list) {
      list = [];
      this.indexes.set(key, list);
    }
    list.splice(upperBound(list, entry.seq), 0, entry);
  }

  private unfile(key: string, entry: Entry): void {
    const list = this.indexes.get(key);
    if (!list) return;
    const i = upperBound(list, entry.seq) - 1;
    if (list[i] === entry) list.splice(i, 1);
    if (list.length === 0) this.indexes.delete(key);
  }
}
