/**
 * Tollgate's ledger against Stripe's state, object by object. Used by the
 * end-to-end tests and by the chaos harness (`npm run chaos -- webhooks`).
 *
 * - lost: an event Stripe sent that Tollgate did not store or finish, or an
 *   object one of those events names that has no ledger row;
 * - stale: a ledger row whose columns (and raw object) differ from what
 *   Stripe returns for that object now;
 * - doubled: a domain notice emitted twice (invoice.payment_failed for the
 *   same attempt, checkout.completed beyond one per triggering event), or a
 *   subscription.changed that does not continue from the previous one.
 */
import type Stripe from 'stripe';
import { ledgerColumns, tableOf } from '../../src/billing/repository.ts';
import type { LedgerKind, LedgerRecord, LedgerRef } from '../../src/billing/records.ts';
import { withSystem } from '../../src/db/scope.ts';
import type { Db, Row } from '../../src/db/types.ts';
import { actionForEvent, readLedgerObject, type EventEnvelope } from '../../src/providers/stripe/ledger.ts';
import { TOLLGATE_STRIPE_EVENTS } from '../../src/providers/stripe/events.ts';

export interface StaleRow {
  kind: LedgerKind;
  id: string;
  fields: Record<string, { ledger: unknown; stripe: unknown }>;
}

export interface LedgerReport {
  events: { sent: number; stored: number; missing: string[]; unfinished: string[] };
  objects: { checked: number; byKind: Partial<Record<LedgerKind, number>>; lost: string[]; stale: StaleRow[] };
  doubled: string[];
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(normalize);
  // SDK values such as decimals serialize through toJSON, as they were stored
  if (value && typeof (value as { toJSON?: unknown }).toJSON === 'function') return normalize(JSON.parse(JSON.stringify(value)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = normalize((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function same(expected: unknown, actual: unknown): boolean {
  const e = normalize(expected);
  let a = normalize(actual);
  if (typeof e === 'number' && typeof a === 'string') a = Number(a);
  return JSON.stringify(e) === JSON.stringify(a);
}

/** Paths at which two JSON values differ (for reporting a stale raw object). */
function paths(a: unknown, b: unknown, at = ''): string[] {
  if (same(a, b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) === !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => paths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return [`${at || '(root)'}: ${JSON.stringify(normalize(b))?.slice(0, 80)} in the ledger, ${JSON.stringify(normalize(a))?.slice(0, 80)} in Stripe`];
}

/**
 * Fields Stripe changes without sending an event about the object, so no
 * webhook-driven ledger can follow them: a customer's next invoice number moves
 * when one of its invoices is finalized (only invoice.finalized is sent).
 */
const SILENT_FIELDS: Partial<Record<LedgerKind, string[]>> = { customer: ['next_invoice_sequence'] };

function withoutSilentFields(kind: LedgerKind, raw: unknown): unknown {
  const silent = SILENT_FIELDS[kind];
  if (!silent || !raw || typeof raw !== 'object') return raw;
  const copy = { ...(raw as Record<string, unknown>) };
  for (const f of silent) delete copy[f];
  return copy;
}

function diff(record: LedgerRecord, row: Row): StaleRow['fields'] {
  const fields: StaleRow['fields'] = {};
  if (record.deleted) {
    if (!row.deleted) fields.deleted = { ledger: row.deleted, stripe: true };
    return fields;
  }
  if (row.deleted) fields.deleted = { ledger: true, stripe: false };
  for (const [column, expected] of Object.entries(ledgerColumns(record))) {
    const value = column === 'raw' ? withoutSilentFields(record.kind, expected) : expected;
    const actual = column === 'raw' ? withoutSilentFields(record.kind, row[column]) : row[column];
    if (same(value, actual)) continue;
    fields[column] = column === 'raw' ? { ledger: paths(value, actual).slice(0, 5), stripe: '(see ledger)' } : { ledger: actual, stripe: value };
  }
  return fields;
}

async function allEvents(stripe: Stripe): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const e of stripe.events.list({ limit: 100 })) events.push(e);
  return events;
}

export async function compareLedger(options: { db: Db; stripe: Stripe; tenantId: string; mode?: 'test' | 'live' }): Promise<LedgerReport> {
  const { db, stripe, tenantId } = options;
  const mode = options.mode ?? 'test';
  const q = (sql: string, params: unknown[]) => withSystem(db, async (tx) => (await tx.query(sql, params)).rows);
  const subscribed = new Set<string>(TOLLGATE_STRIPE_EVENTS);
  const events = (await allEvents(stripe)).filter((e) => subscribed.has(e.type));

  const stored = new Map((await q('select id, status from webhook_events where tenant_id = $1 and mode = $2', [tenantId, mode])).map((r) => [r.id as string, r.status as string]));
  const missing = events.filter((e) => !stored.has(e.id)).map((e) => `${e.id} (${e.type})`);
  const unfinished = events.filter((e) => stored.has(e.id) && !['processed', 'ignored'].includes(stored.get(e.id)!)).map((e) => `${e.id} (${e.type}: ${stored.get(e.id)})`);

  const refs = new Map<string, LedgerRef>();
  for (const e of events) {
    const action = actionForEvent(e as unknown as EventEnvelope);
    if (action.action === 'project') for (const ref of action.refs) refs.set(`${ref.kind}:${ref.id}`, ref);
  }
  const lost: string[] = [];
  const stale: StaleRow[] = [];
  const byKind: Partial<Record<LedgerKind, number>> = {};
  for (const ref of refs.values()) {
    byKind[ref.kind] = (byKind[ref.kind] ?? 0) + 1;
    const record = await readLedgerObject(stripe, ref);
    const [row] = await q(`select * from ${tableOf(ref.kind)} where tenant_id = $1 and mode = $2 and stripe_id = $3`, [tenantId, mode, ref.id]);
    if (!row) {
      lost.push(`${ref.kind} ${ref.id}`);
      continue;
    }
    const fields = diff(record, row);
    if (Object.keys(fields).length) stale.push({ kind: ref.kind, id: ref.id, fields });
  }

  const doubled: string[] = [];
  const outbox = await q('select type, subject, payload from outbox where tenant_id = $1 and mode = $2 order by id', [tenantId, mode]);
  const notices = new Map<string, number>();
  for (const o of outbox.filter((o) => o.type === 'invoice.payment_failed')) {
    const key = `invoice.payment_failed ${o.payload.invoice} attempt ${o.payload.attemptCount}`;
    notices.set(key, (notices.get(key) ?? 0) + 1);
  }
  for (const [key, n] of notices) if (n > 1) doubled.push(`${key} emitted ${n} times`);
  const triggers = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'checkout.session.completed' || e.type === 'checkout.session.async_payment_succeeded') {
      const id = (e.data.object as { id: string }).id;
      triggers.set(id, (triggers.get(id) ?? 0) + 1);
    }
  }
  const checkouts = new Map<string, number>();
  for (const o of outbox.filter((o) => o.type === 'checkout.completed')) checkouts.set(o.payload.session, (checkouts.get(o.payload.session) ?? 0) + 1);
  for (const [session, n] of checkouts) if (n > (triggers.get(session) ?? 0)) doubled.push(`checkout.completed ${session} emitted ${n} times for ${triggers.get(session) ?? 0} events`);
  const lastAfter = new Map<string, unknown>();
  for (const o of outbox.filter((o) => o.type === 'subscription.changed')) {
    const previous = lastAfter.has(o.subject) ? lastAfter.get(o.subject) : null;
    if (!same(previous, o.payload.before)) doubled.push(`subscription.changed ${o.subject} does not continue from the previous announcement`);
    lastAfter.set(o.subject, o.payload.after);
  }

  return {
    events: { sent: events.length, stored: events.length - missing.length, missing, unfinished },
    objects: { checked: refs.size, byKind, lost, stale },
    doubled,
  };
}

/** True when nothing was lost, stale or doubled. */
export function isClean(report: LedgerReport): boolean {
  return !report.events.missing.length && !report.events.unfinished.length && !report.objects.lost.length && !report.objects.stale.length && !report.doubled.length;
}
