/**
 * Reading the ledger for the API and the console: subscriptions (with their
 * items and customer), invoices, disputes and early fraud warnings, newest
 * first with cursors. Takes the caller's transaction.
 */
import type { Queryable, Row } from '../db/types.ts';
import type { Mode } from '../http/context.ts';
import { billingErrors } from './errors.ts';
import { ledgerReads, type Page } from './read-repository.ts';

function iso(d: unknown): string | null {
  return d instanceof Date ? d.toISOString() : null;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function subscriptionView(r: Row) {
  return {
    id: r.stripe_id as string,
    customer: r.stripe_customer_id as string | null,
    status: r.status as string | null,
    price_ids: r.stripe_price_ids as string[],
    cancel_at_period_end: r.cancel_at_period_end as boolean,
    cancel_at: iso(r.cancel_at),
    current_period_start: iso(r.current_period_start),
    current_period_end: iso(r.current_period_end),
    trial_start: iso(r.trial_start),
    trial_end: iso(r.trial_end),
    canceled_at: iso(r.canceled_at),
    ended_at: iso(r.ended_at),
    past_due_since: iso(r.past_due_since),
    latest_invoice: r.latest_invoice_id as string | null,
    metadata: (r.metadata ?? {}) as Record<string, string>,
    created: iso(r.created),
    updated_at: iso(r.updated_at),
  };
}

function itemView(r: Row) {
  return {
    id: r.stripe_id as string,
    price: r.stripe_price_id as string | null,
    product: r.stripe_product_id as string | null,
    quantity: num(r.quantity),
    current_period_start: iso(r.current_period_start),
    current_period_end: iso(r.current_period_end),
  };
}

export function invoiceView(r: Row) {
  return {
    id: r.stripe_id as string,
    customer: r.stripe_customer_id as string | null,
    subscription: r.stripe_subscription_id as string | null,
    status: r.status as string | null,
    billing_reason: r.billing_reason as string | null,
    number: r.number as string | null,
    currency: r.currency as string | null,
    amount_due: num(r.amount_due),
    amount_paid: num(r.amount_paid),
    amount_remaining: num(r.amount_remaining),
    total: num(r.total),
    period_start: iso(r.period_start),
    period_end: iso(r.period_end),
    hosted_invoice_url: r.hosted_invoice_url as string | null,
    attempt_count: num(r.attempt_count),
    next_payment_attempt: iso(r.next_payment_attempt),
    paid_at: iso(r.paid_at),
    deleted: r.deleted as boolean,
    created: iso(r.created),
  };
}

export function disputeView(r: Row) {
  return {
    id: r.stripe_id as string,
    charge: r.stripe_charge_id as string | null,
    payment_intent: r.stripe_payment_intent_id as string | null,
    amount: num(r.amount),
    currency: r.currency as string | null,
    reason: r.reason as string | null,
    status: r.status as string | null,
    evidence_due_by: iso(r.evidence_due_by),
    created: iso(r.created),
  };
}

export function fraudWarningView(r: Row) {
  return {
    id: r.stripe_id as string,
    charge: r.stripe_charge_id as string | null,
    payment_intent: r.stripe_payment_intent_id as string | null,
    fraud_type: r.fraud_type as string | null,
    actionable: r.actionable as boolean | null,
    created: iso(r.created),
  };
}

function paged<T>(rows: Row[], limit: number, view: (r: Row) => T) {
  return { data: rows.slice(0, limit).map(view), has_more: rows.length > limit };
}

function more(p: { limit: number; starting_after?: string }): Page {
  return { limit: p.limit + 1, startingAfter: p.starting_after };
}

type PageQuery = { limit: number; starting_after?: string };

export function createLedgerService() {
  return {
    async listSubscriptions(tx: Queryable, tenantId: string, mode: Mode, q: PageQuery & { status?: string; customer?: string }) {
      return paged(await ledgerReads.subscriptions(tx, tenantId, mode, q, more(q)), q.limit, subscriptionView);
    },

    async getSubscription(tx: Queryable, tenantId: string, mode: Mode, id: string) {
      const row = await ledgerReads.subscription(tx, tenantId, mode, id);
      if (!row) throw billingErrors.subscription_not_found(`No subscription ${id} in ${mode} mode.`);
      const items = await ledgerReads.subscriptionItems(tx, tenantId, mode, id);
      const customer = row.customer_email !== null || row.customer_name !== null || row.customer_deleted !== null
        ? { id: row.stripe_customer_id as string, email: row.customer_email as string | null, name: row.customer_name as string | null, deleted: Boolean(row.customer_deleted) }
        : null;
      return { ...subscriptionView(row), items: items.map(itemView), customer_details: customer };
    },

    async listInvoices(tx: Queryable, tenantId: string, mode: Mode, q: PageQuery & { status?: string; customer?: string; subscription?: string }) {
      return paged(await ledgerReads.invoices(tx, tenantId, mode, q, more(q)), q.limit, invoiceView);
    },

    async listDisputes(tx: Queryable, tenantId: string, mode: Mode, q: PageQuery & { status?: string; charge?: string }) {
      return paged(await ledgerReads.disputes(tx, tenantId, mode, q, more(q)), q.limit, disputeView);
    },

    async listFraudWarnings(tx: Queryable, tenantId: string, mode: Mode, q: PageQuery & { actionable?: boolean; charge?: string }) {
      return paged(await ledgerReads.fraudWarnings(tx, tenantId, mode, q, more(q)), q.limit, fraudWarningView);
    },
  };
}
