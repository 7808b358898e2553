/**
 * Every SQL statement of the billing ledger. Writes are upserts guarded by
 * `read_seq`: a row changes only when the new read started after the one
 * stored, so an older read arriving late is a no-op ("stale"). Tenant id and
 * mode are required arguments of every statement.
 */
import type { Queryable, Row } from '../db/types.ts';
import type { Mode } from '../http/context.ts';
import type { LedgerKind, LiveRecord, SubscriptionItemRecord, SubscriptionRecord } from './records.ts';

export type WriteResult = 'inserted' | 'updated' | 'stale';

const TABLES: Record<LedgerKind, string> = {
  customer: 'stripe_customers',
  subscription: 'subscriptions',
  invoice: 'invoices',
  payment_intent: 'payment_intents',
  charge: 'charges',
  refund: 'refunds',
  payment_method: 'payment_methods',
  checkout_session: 'checkout_sessions',
  dispute: 'disputes',
  early_fraud_warning: 'early_fraud_warnings',
  entitlement_summary: 'stripe_entitlement_summaries',
};

export function tableOf(kind: LedgerKind): string {
  return TABLES[kind];
}

/** The columns (other than the key, read_seq, updated_at, deleted) a live record writes. */
export function ledgerColumns(r: LiveRecord): Record<string, unknown> {
  switch (r.kind) {
    case 'customer':
      return { email: r.email, name: r.name, metadata: r.metadata, default_payment_method: r.defaultPaymentMethod, created: r.created, deleted_at: null, raw: r.raw };
    case 'subscription':
      return {
        stripe_customer_id: r.customerId,
        status: r.status,
        stripe_price_ids: [...new Set(r.items.map((i) => i.priceId).filter((p): p is string => p !== null))].sort(),
        cancel_at_period_end: r.cancelAtPeriodEnd,
        cancel_at: r.cancelAt,
        current_period_start: r.currentPeriodStart,
        current_period_end: r.currentPeriodEnd,
        trial_start: r.trialStart,
        trial_end: r.trialEnd,
        canceled_at: r.canceledAt,
        ended_at: r.endedAt,
        start_date: r.startDate,
        created: r.created,
        latest_invoice_id: r.latestInvoiceId,
        default_payment_method: r.defaultPaymentMethod,
        metadata: r.metadata,
        raw: r.raw,
      };
    case 'invoice':
      return {
        stripe_customer_id: r.customerId,
        stripe_subscription_id: r.subscriptionId,
        status: r.status,
        billing_reason: r.billingReason,
        number: r.number,
        currency: r.currency,
        amount_due: r.amountDue,
        amount_paid: r.amountPaid,
        amount_remaining: r.amountRemaining,
        total: r.total,
        period_start: r.periodStart,
        period_end: r.periodEnd,
        hosted_invoice_url: r.hostedInvoiceUrl,
        attempt_count: r.attemptCount,
        next_payment_attempt: r.nextPaymentAttempt,
        finalized_at: r.finalizedAt,
        paid_at: r.paidAt,
        stripe_payment_intent_ids: r.paymentIntentIds,
        created: r.created,
        raw: r.raw,
      };
    case 'payment_intent':
      return {
        stripe_customer_id: r.customerId,
        status: r.status,
        amount: r.amount,
        amount_received: r.amountReceived,
        currency: r.currency,
        latest_charge_id: r.latestChargeId,
        payment_method_id: r.paymentMethodId,
        last_payment_error_code: r.lastPaymentErrorCode,
        canceled_at: r.canceledAt,
        created: r.created,
        raw: r.raw,
      };
    case 'charge':
      return {
        stripe_customer_id: r.customerId,
        stripe_payment_intent_id: r.paymentIntentId,
        status: r.status,
        amount: r.amount,
        amount_captured: r.amountCaptured,
        amount_refunded: r.amountRefunded,
        currency: r.currency,
        paid: r.paid,
        refunded: r.refunded,
        disputed: r.disputed,
        failure_code: r.failureCode,
        failure_message: r.failureMessage,
        payment_method_id: r.paymentMethodId,
        card_brand: r.cardBrand,
        card_last4: r.cardLast4,
        created: r.created,
        raw: r.raw,
      };
    case 'refund':
      return {
        stripe_charge_id: r.chargeId,
        stripe_payment_intent_id: r.paymentIntentId,
        amount: r.amount,
        currency: r.currency,
        status: r.status,
        reason: r.reason,
        failure_reason: r.failureReason,
        created: r.created,
        raw: r.raw,
      };
    case 'payment_method':
      return {
        stripe_customer_id: r.customerId,
        type: r.type,
        brand: r.brand,
        last4: r.last4,
        exp_month: r.expMonth,
        exp_year: r.expYear,
        created: r.created,
        raw: r.raw,
      };
    case 'checkout_session':
      return {
        session_mode: r.sessionMode,
        status: r.status,
        payment_status: r.paymentStatus,
        stripe_customer_id: r.customerId,
        stripe_subscription_id: r.subscriptionId,
        stripe_payment_intent_id: r.paymentIntentId,
        stripe_invoice_id: r.invoiceId,
        client_reference_id: r.clientReferenceId,
        customer_email: r.customerEmail,
        metadata: r.metadata,
        amount_total: r.amountTotal,
        currency: r.currency,
        expires_at: r.expiresAt,
        created: r.created,
        raw: r.raw,
      };
    case 'dispute':
      return {
        stripe_charge_id: r.chargeId,
        stripe_payment_intent_id: r.paymentIntentId,
        amount: r.amount,
        currency: r.currency,
        reason: r.reason,
        status: r.status,
        evidence_due_by: r.evidenceDueBy,
        created: r.created,
        raw: r.raw,
      };
    case 'early_fraud_warning':
      return {
        stripe_charge_id: r.chargeId,
        stripe_payment_intent_id: r.paymentIntentId,
        fraud_type: r.fraudType,
        actionable: r.actionable,
        created: r.created,
        raw: r.raw,
      };
    case 'entitlement_summary':
      return { lookup_keys: r.lookupKeys, raw: r.raw };
  }
}

const JSON_COLUMNS = new Set(['metadata', 'raw']);

function param(column: string, value: unknown): unknown {
  return JSON_COLUMNS.has(column) ? JSON.stringify(value ?? {}) : value;
}

export interface SubscriptionRow {
  tenant_id: string;
  mode: Mode;
  stripe_id: string;
  stripe_customer_id: string | null;
  status: string | null;
  stripe_price_ids: string[];
  cancel_at_period_end: boolean;
  current_period_start: Date | null;
  current_period_end: Date | null;
  trial_start: Date | null;
  trial_end: Date | null;
  canceled_at: Date | null;
  ended_at: Date | null;
  past_due_since: Date | null;
  latest_invoice_id: string | null;
  deleted: boolean;
  read_seq: string;
  [key: string]: unknown;
}

export interface CustomerRow {
  tenant_id: string;
  mode: Mode;
  stripe_id: string;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  deleted: boolean;
  read_seq: string;
  [key: string]: unknown;
}

export const ledgerRepository = {
  /**
   * Serializes projections of one object within a transaction (two workers
   * projecting the same subscription take turns; the second sees the first's
   * row as its "before").
   */
  async lock(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`ledger:${tenantId}:${mode}:${stripeId}`]);
  },

  /** Inserts or overwrites the row of a live record, unless a later read is stored; returns the row written. */
  async upsert(
    tx: Queryable,
    tenantId: string,
    mode: Mode,
    record: LiveRecord,
    readSeq: bigint | number,
    at: Date,
    extra: Record<string, unknown> = {},
  ): Promise<{ write: WriteResult; row?: Row }> {
    const table = TABLES[record.kind];
    const cols = { ...ledgerColumns(record), ...extra };
    const names = Object.keys(cols);
    const values = names.map((n) => param(n, cols[n]));
    const placeholders = names.map((_, i) => `$${i + 6}`);
    const { rows } = await tx.query<Row>(
      `insert into ${table} (tenant_id, mode, stripe_id, read_seq, updated_at, deleted, ${names.join(', ')})
       values ($1, $2, $3, $4, $5, false, ${placeholders.join(', ')})
       on conflict (tenant_id, mode, stripe_id) do update set
         ${names.map((n) => `${n} = excluded.${n}`).join(', ')}, deleted = false, read_seq = excluded.read_seq, updated_at = excluded.updated_at
       where ${table}.read_seq < excluded.read_seq
       returning *, (xmax = 0) as inserted`,
      [tenantId, mode, record.stripeId, String(readSeq), at, ...values],
    );
    const row = rows[0];
    if (!row) return { write: 'stale' };
    const { inserted, ...written } = row;
    return { write: inserted ? 'inserted' : 'updated', row: written };
  },

  /** Marks an object deleted (a tombstone keeps what was known), unless a later read is stored; returns the row written. */
  async tombstone(tx: Queryable, tenantId: string, mode: Mode, kind: LedgerKind, stripeId: string, readSeq: bigint | number, at: Date): Promise<{ write: WriteResult; row?: Row }> {
    const table = TABLES[kind];
    const deletedAt = kind === 'customer' ? ', deleted_at = coalesce(stripe_customers.deleted_at, excluded.updated_at)' : '';
    const { rows } = await tx.query<Row>(
      `insert into ${table} (tenant_id, mode, stripe_id, read_seq, updated_at, deleted${kind === 'customer' ? ', deleted_at' : ''})
       values ($1, $2, $3, $4, $5, true${kind === 'customer' ? ', $5' : ''})
       on conflict (tenant_id, mode, stripe_id) do update set deleted = true, read_seq = excluded.read_seq, updated_at = excluded.updated_at${deletedAt}
       where ${table}.read_seq < excluded.read_seq
       returning *, (xmax = 0) as inserted`,
      [tenantId, mode, stripeId, String(readSeq), at],
    );
    const row = rows[0];
    if (!row) return { write: 'stale' };
    const { inserted, ...written } = row;
    return { write: inserted ? 'inserted' : 'updated', row: written };
  },

  /** Writes a subscription's items and tombstones the ones it no longer has. */
  async replaceItems(tx: Queryable, tenantId: string, mode: Mode, sub: SubscriptionRecord, readSeq: bigint | number, at: Date): Promise<void> {
    for (const item of sub.items) await upsertItem(tx, tenantId, mode, sub.stripeId, item, readSeq, at);
    await tx.query(
      `update subscription_items set deleted = true, read_seq = $5, updated_at = $6
        where tenant_id = $1 and mode = $2 and subscription_stripe_id = $3 and not (stripe_id = any($4::text[])) and read_seq < $5 and not deleted`,
      [tenantId, mode, sub.stripeId, sub.items.map((i) => i.stripeId), String(readSeq), at],
    );
  },

  async findSubscription(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<SubscriptionRow | undefined> {
    const { rows } = await tx.query<SubscriptionRow>('select * from subscriptions where tenant_id = $1 and mode = $2 and stripe_id = $3', [tenantId, mode, stripeId]);
    return rows[0];
  },

  async findCustomer(tx: Queryable, tenantId: string, mode: Mode, stripeId: string): Promise<CustomerRow | undefined> {
    const { rows } = await tx.query<CustomerRow>('select * from stripe_customers where tenant_id = $1 and mode = $2 and stripe_id = $3', [tenantId, mode, stripeId]);
    return rows[0];
  },

  /**
   * Records that the invoice.payment_failed domain event for `attempt` was
   * emitted; false when it already was (for this or a later attempt).
   */
  async claimPaymentFailedNotice(tx: Queryable, tenantId: string, mode: Mode, invoiceId: string, attempt: number): Promise<boolean> {
    const { rowCount } = await tx.query(
      'update invoices set payment_failed_notified_attempt = $4 where tenant_id = $1 and mode = $2 and stripe_id = $3 and payment_failed_notified_attempt < $4',
      [tenantId, mode, invoiceId, attempt],
    );
    return rowCount > 0;
  },

  /** Records that a checkout.completed domain event was emitted for `trigger`; false when it already was. */
  async claimCheckoutNotice(tx: Queryable, tenantId: string, mode: Mode, sessionId: string, trigger: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      'update checkout_sessions set notified = array_append(notified, $4) where tenant_id = $1 and mode = $2 and stripe_id = $3 and not ($4 = any(notified))',
      [tenantId, mode, sessionId, trigger],
    );
    return rowCount > 0;
  },
};

async function upsertItem(tx: Queryable, tenantId: string, mode: Mode, subId: string, item: SubscriptionItemRecord, readSeq: bigint | number, at: Date) {
  await tx.query(
    `insert into subscription_items (tenant_id, mode, stripe_id, subscription_stripe_id, stripe_price_id, stripe_product_id, quantity,
                                     current_period_start, current_period_end, deleted, raw, read_seq, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10, $11, $12)
     on conflict (tenant_id, mode, stripe_id) do update set
       subscription_stripe_id = excluded.subscription_stripe_id, stripe_price_id = excluded.stripe_price_id, stripe_product_id = excluded.stripe_product_id,
       quantity = excluded.quantity, current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
       deleted = false, raw = excluded.raw, read_seq = excluded.read_seq, updated_at = excluded.updated_at
     where subscription_items.read_seq < excluded.read_seq`,
    [
      tenantId,
      mode,
      item.stripeId,
      subId,
      item.priceId,
      item.productId,
      item.quantity,
      item.currentPeriodStart,
      item.currentPeriodEnd,
      JSON.stringify(item.raw),
      String(readSeq),
      at,
    ],
  );
}
