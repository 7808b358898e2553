/**
 * Fault injection, deterministic under a seed. API faults (5xx before or after the
 * operation, 429 with Retry-After, added latency) are decided per request; webhook
 * faults (duplicate, delay, reorder within a window, first attempt dropped) per
 * delivery. Each rule draws from its own seeded stream, so the n-th matching request
 * gets the same decision in every run. Rules can be limited to paths (globs),
 * methods, event types, and to a number of firings.
 *
 * `api_error` with `phase: 'before'` answers before anything runs (no side effect,
 * nothing saved under the idempotency key). `phase: 'after'` runs the operation,
 * saves its result under the Idempotency-Key, then answers 500 — the SDK's retry
 * with the same key gets the saved result, as with Stripe.
 */
import { createRandom, deriveSeed, type Random } from './prng.ts';

export type FaultKind =
  | 'api_error'
  | 'rate_limit'
  | 'latency'
  | 'webhook_duplicate'
  | 'webhook_delay'
  | 'webhook_reorder'
  | 'webhook_drop_first';

export interface FaultRule {
  id?: string;
  kind: FaultKind;
  /** Probability per matching request or delivery, 0..1 (default 1). */
  rate?: number;
  /** Fire at most this many times. */
  limit?: number;
  /** API: request path globs (`/v1/customers*`); webhooks: endpoint URL globs. */
  paths?: string[];
  /** API only: HTTP methods. */
  methods?: string[];
  /** Webhooks only: event type globs (`invoice.*`). */
  eventTypes?: string[];
  /** api_error: 500 (default), 502, 503 or 504. */
  status?: number;
  /** api_error: fail before executing (default) or after executing and saving. */
  phase?: 'before' | 'after';
  /** rate_limit: the Retry-After header in seconds (default 1). */
  retryAfter?: number;
  /** latency / webhook_delay: milliseconds, fixed or a [min, max] range. */
  ms?: number | [number, number];
  /** webhook_reorder: deliveries to an endpoint within this window go out shuffled. */
  windowMs?: number;
}

export interface FaultState extends FaultRule {
  fired: number;
}

export interface ApiDecision {
  latencyMs: number;
  rateLimit?: { retryAfter: number };
  error?: { status: number; phase: 'before' | 'after' };
}

export interface WebhookDecision {
  delayMs: number;
  reorderWindowMs: number;
  dropFirst: boolean;
  duplicate: boolean;
}

const KINDS: readonly FaultKind[] = ['api_error', 'rate_limit', 'latency', 'webhook_duplicate', 'webhook_delay', 'webhook_reorder', 'webhook_drop_first'];

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

function matches(globs: string[] | undefined, value: string): boolean {
  return !globs || globs.length === 0 || globs.some((g) => globToRegExp(g).test(value));
}

/** Check a rule from JSON (the control endpoint) and return a clean copy. */
export function validateFaultRule(input: unknown): FaultRule {
  if (typeof input !== 'object' || input === null) throw new TypeError('a fault rule must be an object');
  const r = input as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !KINDS.includes(r.kind as FaultKind)) throw new TypeError(`fault kind must be one of ${KINDS.join(', ')}`);
  const num = (k: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new TypeError(`${k} must be a number between ${min} and ${max}`);
    return v;
  };
  const strings = (k: string): string[] | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new TypeError(`${k} must be an array of strings`);
    return v as string[];
  };
  const rule: FaultRule = { kind: r.kind as FaultKind };
  if (r.id !== undefined) rule.id = String(r.id);
  const rate = num('rate', 0, 1);
  if (rate !== undefined) rule.rate = rate;
  const limit = num('limit', 0);
  if (limit !== undefined) rule.limit = limit;
  const paths = strings('paths');
  if (paths) rule.paths = paths;
  const methods = strings('methods');
  if (methods) rule.methods = methods.map((m) => m.toUpperCase());
  const eventTypes = strings('eventTypes');
  if (eventTypes) rule.eventTypes = eventTypes;
  const status = num('status', 500, 599);
  if (status !== undefined) rule.status = status;
  if (r.phase !== undefined) {
    if (r.phase !== 'before' && r.phase !== 'after') throw new TypeError("phase must be 'before' or 'after'");
    rule.phase = r.phase;
  }
  const retryAfter = num('retryAfter', 0, 3600);
  if (retryAfter !== undefined) rule.retryAfter = retryAfter;
  if (r.ms !== undefined) {
    const ms = r.ms;
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 600_000;
    if (ok(ms)) rule.ms = ms;
    else if (Array.isArray(ms) && ms.length === 2 && ok(ms[0]) && ok(ms[1]) && ms[0] <= ms[1]) rule.ms = [ms[0], ms[1]];
    else throw new TypeError('ms must be a number or a [min, max] pair of milliseconds');
  }
  const windowMs = num('windowMs', 0, 600_000);
  if (windowMs !== undefined) rule.windowMs = windowMs;
  return rule;
}

export class Faults {
  private rules: { rule: FaultState; random: Random }[] = [];
  private readonly seed: string | number | undefined;
  private generation = 0;

  constructor(seed?: string | number, rules: FaultRule[] = []) {
    this.seed = seed;
    this.set(rules);
  }

  /** Replace every rule; decision streams restart from the seed. */
  set(rules: FaultRule[]): void {
    this.generation++;
    this.rules = [];
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): FaultState {
    const clean = validateFaultRule(rule);
    const index = this.rules.length;
    const state: FaultState = { ...clean, id: clean.id ?? `fault_${index + 1}`, fired: 0 };
    const random = createRandom(deriveSeed(this.seed, `fault/${this.generation}/${index}/${clean.kind}`));
    this.rules.push({ rule: state, random });
    return state;
  }

  clear(): void {
    this.set([]);
  }

  list(): FaultState[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  private fire(entry: { rule: FaultState; random: Random }): boolean {
    const { rule, random } = entry;
    if (rule.limit !== undefined && rule.fired >= rule.limit) return false;
    const hit = random.next() < (rule.rate ?? 1);
    if (hit) rule.fired++;
    return hit;
  }

  private pickMs(entry: { rule: FaultState; random: Random }): number {
    const ms = entry.rule.ms ?? 0;
    return Array.isArray(ms) ? entry.random.int(ms[0], ms[1]) : ms;
  }

  decideApi(method: string, path: string): ApiDecision {
    const out: ApiDecision = { latencyMs: 0 };
    for (const entry of this.rules) {
      const { rule } = entry;
      if (!rule.kind.startsWith('api_') && rule.kind !== 'rate_limit' && rule.kind !== 'latency') continue;
      if (!matches(rule.paths, path) || (rule.methods && rule.methods.length > 0 && !rule.methods.includes(method))) continue;
      if (rule.kind === 'latency') {
        if (this.fire(entry)) out.latencyMs += this.pickMs(entry);
      } else if (rule.kind === 'rate_limit') {
        if (!out.rateLimit && !out.error && this.fire(entry)) out.rateLimit = { retryAfter: rule.retryAfter ?? 1 };
      } else if (!out.rateLimit && !out.error && this.fire(entry)) {
        out.error = { status: rule.status ?? 500, phase: rule.phase ?? 'before' };
      }
    }
    return out;
  }

  decideWebhook(eventType: string, url: string): WebhookDecision {
    const out: WebhookDecision = { delayMs: 0, reorderWindowMs: 0, dropFirst: false, duplicate: false };
    for (const entry of this.rules) {
      const { rule } = entry;
      if (!rule.kind.startsWith('webhook_')) continue;
      if (!matches(rule.eventTypes, eventType) || !matches(rule.paths, url)) continue;
      if (!this.fire(entry)) continue;
      if (rule.kind === 'webhook_delay') out.delayMs += this.pickMs(entry);
      else if (rule.kind === 'webhook_reorder') out.reorderWindowMs = Math.max(out.reorderWindowMs, rule.windowMs ?? 50);
      else if (rule.kind === 'webhook_drop_first') out.dropFirst = true;
      else if (rule.kind === 'webhook_duplicate') out.duplicate = true;
    }
    return out;
  }
}
