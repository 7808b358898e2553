/**
 * The sandbox's running state and the context every operation runs in. `Runtime`
 * owns the store, accounts, clock, ids, faults, idempotency keys and deliveries.
 * `Ctx` is one operation: an account, a time (the sandbox clock or a test clock's
 * frozen time), the request that caused it, and the events it produces — which are
 * recorded and delivered, in the order emitted, when the operation commits.
 */
import type Stripe from 'stripe';
import { Accounts } from './accounts.ts';
import { SandboxClock } from './clock.ts';
import { Deliveries, DEFAULT_RETRY_SCHEDULE, type DeliveryJob } from './delivery.ts';
import { Faults, type FaultRule } from './faults.ts';
import { newId, type IdKind } from './ids.ts';
import { IdempotencyStore } from './idempotency.ts';
import { createRandom, deriveSeed, type Random } from './prng.ts';
import { createView, snapshot, type Json, type RenderView } from './render.ts';
import { Store, type Entry, type Kind, type KindMap } from './store.ts';

/** The API version the sandbox speaks (the one the stripe SDK v23 pins). */
export const API_VERSION = '2026-10-28.endive';

export interface SandboxSettings {
  /** Days between payment retries of a failed renewal invoice (Stripe's custom schedule default: 3, 5, 7). */
  renewalRetryDays: number[];
  /** What happens to a subscription when all retries failed. */
  onRetriesExhausted: 'cancel' | 'unpaid';
  /** Webhook retry waits in ms. */
  webhookRetrySchedule: number[];
  webhookTimeoutMs: number;
}

export interface RuntimeOptions {
  seed?: string | number;
  now?: () => number;
  faults?: FaultRule[];
  settings?: Partial<SandboxSettings>;
}

/** Runs when an operation commits, before its events are recorded; may emit more. */
export type CommitHook = (ctx: Ctx, events: readonly { type: string; object: Json }[]) => void;

const commitHooks: CommitHook[] = [];

export function registerCommitHook(hook: CommitHook): void {
  commitHooks.push(hook);
}

interface PendingEvent {
  type: Stripe.Event.Type;
  object: Json;
  previous?: Json;
  created: number;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Stripe's `previous_attributes`: old values of changed fields, nested into plain hashes. */
export function previousAttributes(before: Json, after: Json): Json {
  const out: Json = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key];
    const a = after[key];
    if (same(a, b)) continue;
    if (isRecord(a) && isRecord(b) && a.object === undefined && b.object === undefined) out[key] = previousAttributes(b, a);
    else out[key] = b === undefined ? null : b;
  }
  return out;
}

export class Ctx {
  readonly rt: Runtime;
  readonly account: string;
  now: number;
  readonly request: Stripe.Event.Request;
  private readonly events: (PendingEvent | null)[];
  private readonly deferred: (() => void)[];

  constructor(rt: Runtime, account: string, now: number, request: Stripe.Event.Request, shared?: { events: (PendingEvent | null)[]; deferred: (() => void)[] }) {
    this.rt = rt;
    this.account = account;
    this.now = now;
    this.request = request;
    this.events = shared?.events ?? [];
    this.deferred = shared?.deferred ?? [];
  }

  get store(): Store {
    return this.rt.store;
  }

  get view(): RenderView {
    return this.rt.view(this.account);
  }

  /** The same operation at another time (a customer's test clock). */
  at(now: number): Ctx {
    return new Ctx(this.rt, this.account, now, this.request, { events: this.events, deferred: this.deferred });
  }

  /** The same operation at the time of the clock that governs `testClock` (null: the sandbox clock). */
  onClock(testClock: string | null | undefined): Ctx {
    return this.at(this.rt.timeOf(this.account, testClock ?? null));
  }

  id(kind: IdKind): string {
    return newId(this.rt.random, kind);
  }

  insert<K extends Kind>(kind: K, obj: KindMap[K]): Entry<K> {
    const entry = this.store.insert(kind, this.account, obj);
    this.rt.changed();
    return entry;
  }

  get<K extends Kind>(kind: K, id: string): Entry<K> | undefined {
    return this.store.get(kind, this.account, id);
  }

  render(entry: Entry): Json {
    return this.view.render(entry);
  }

  /** Record an event with a snapshot of the entry as it is now. */
  emit(type: Stripe.Event.Type, entry: Entry | Json, previous?: Json): void {
    const object = 'kind' in entry && 'seq' in entry ? this.render(entry as Entry) : (entry as Json);
    this.events.push({ type, object: snapshot(object), ...(previous ? { previous } : {}), created: this.now });
  }

  /** Keep a place in the event order for an event whose snapshot comes later. */
  reserve(): number {
    this.events.push(null);
    return this.events.length - 1;
  }

  fill(slot: number, type: Stripe.Event.Type, entry: Entry): void {
    this.events[slot] = { type, object: snapshot(this.render(entry)), created: this.now };
  }

  /**
   * Change an entry and, when `type` is given and something changed, emit that
   * event with `previous_attributes`.
   */
  update<K extends Kind>(entry: Entry<K>, mutate: (obj: KindMap[K]) => void, type?: Stripe.Event.Type | null): Json {
    const before = snapshot(this.render(entry));
    mutate(entry.obj);
    this.store.save(entry);
    this.rt.changed();
    const after = this.render(entry);
    const previous = previousAttributes(before, after);
    if (type && Object.keys(previous).length > 0) this.emit(type, entry, previous);
    return previous;
  }

  /** Run after the operation, before its events are recorded (Stripe's asynchronous follow-ups). */
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Record the events and queue their deliveries. Safe to call more than once. */
  commit(): string[] {
    while (this.deferred.length > 0) (this.deferred.shift() as () => void)();
    const emitted = this.events.filter((e): e is PendingEvent => e !== null);
    if (emitted.length > 0) for (const hook of commitHooks) hook(this, emitted);
    const pending = this.events.splice(0).filter((e): e is PendingEvent => e !== null);
    return pending.map((p) => this.rt.recordEvent(this.account, p, this.request));
  }
}

export class Runtime {
  store = new Store();
  accounts = new Accounts();
  readonly clock: SandboxClock;
  readonly random: Random;
  readonly faults: Faults;
  readonly idempotency = new IdempotencyStore();
  readonly deliveries: Deliveries;
  readonly settings: SandboxSettings;
  readonly seed: string | number | undefined;
  baseUrl = 'http://127.0.0.1';
  /** Runs the due work (renewals, retries, trial ends) of a clock domain up to a time. */
  processDue: (account: string | null, testClock: string | null, until: number) => void = () => {};
  /** Called whenever state changed (persistence hooks in here). */
  onChange: () => void = () => {};

  constructor(opts: RuntimeOptions = {}) {
    this.seed = opts.seed;
    this.clock = new SandboxClock(opts.now);
    this.random = createRandom(deriveSeed(opts.seed, 'ids'));
    this.faults = new Faults(opts.seed, opts.faults ?? []);
    this.settings = {
      renewalRetryDays: [3, 5, 7],
      onRetriesExhausted: 'cancel',
      webhookRetrySchedule: DEFAULT_RETRY_SCHEDULE,
      webhookTimeoutMs: 10_000,
      ...opts.settings,
    };
    this.deliveries = new Deliveries({
      faults: this.faults,
      seed: opts.seed,
      schedule: this.settings.webhookRetrySchedule,
      timeoutMs: this.settings.webhookTimeoutMs,
      resolve: (job) => this.deliveryTarget(job),
      onDelivered: (job) => this.markDelivered(job),
    });
  }

  changed(): void {
    this.onChange();
  }

  view(account: string): RenderView {
    return createView(this.store, account, this.baseUrl);
  }

  /** Unix seconds in a clock domain: a test clock's frozen time, or the sandbox clock. */
  timeOf(account: string, testClock: string | null): number {
    if (testClock) {
      const clock = this.store.get('test_helpers.test_clock', account, testClock);
      if (clock) return clock.obj.frozen_time;
    }
    return this.clock.now();
  }

  ctx(account: string, request: Stripe.Event.Request = { id: null, idempotency_key: null }, now = this.clock.now()): Ctx {
    return new Ctx(this, account, now, request);
  }

  /** The webhook endpoints an event of `account` goes to (its own, and its platform's Connect ones). */
  endpointsFor(account: string, type: string): Entry<'webhook_endpoint'>[] {
    const wants = (e: Entry<'webhook_endpoint'>): boolean =>
      e.obj.status === 'enabled' && (e.obj.enabled_events.includes('*') || e.obj.enabled_events.includes(type));
    const own = this.store.all('webhook_endpoint', account).filter((e) => !e.removed && !e.meta.connect && wants(e));
    const platform = this.accounts.get(account)?.platform;
    const connect = platform ? this.store.all('webhook_endpoint', platform).filter((e) => !e.removed && e.meta.connect && wants(e)) : [];
    return [...own, ...connect];
  }

  recordEvent(account: string, pending: PendingEvent, request: Stripe.Event.Request): string {
    const endpoints = this.endpointsFor(account, pending.type);
    const connected = this.accounts.get(account)?.platform ? { account } : {};
    const event = {
      id: newId(this.random, 'event'),
      object: 'event',
      ...connected,
      api_version: API_VERSION,
      created: pending.created,
      data: { object: pending.object, ...(pending.previous ? { previous_attributes: pending.previous } : {}) },
      livemode: false,
      pending_webhooks: endpoints.length,
      request,
      type: pending.type,
    } as unknown as Stripe.Event;
    this.store.insert('event', account, event);
    this.changed();
    for (const endpoint of endpoints) {
      this.deliveries.enqueue({ eventId: event.id, eventType: event.type, endpointId: endpoint.id, account: endpoint.account });
    }
    return event.id;
  }

  private deliveryTarget(job: DeliveryJob): { url: string; secret: string; payload: string } | null {
    const endpoint = this.store.getAny(job.endpointId) as Entry<'webhook_endpoint'> | undefined;
    const event = this.store.getAny(job.eventId) as Entry<'event'> | undefined;
    if (!endpoint || endpoint.removed || !event || !endpoint.meta.secret) return null;
    return { url: endpoint.obj.url, secret: endpoint.meta.secret, payload: JSON.stringify(event.obj, null, 2) };
  }

  private markDelivered(job: DeliveryJob): void {
    const event = this.store.getAny(job.eventId) as Entry<'event'> | undefined;
    if (event && event.obj.pending_webhooks > 0) {
      event.obj.pending_webhooks--;
      this.changed();
    }
  }
}
