/**
 * Disputes and Radar early fraud warnings. A charge on `pm_card_createDispute`
 * opens a dispute (`charge.dispute.created`, funds withdrawn, evidence due in 7
 * days); submitting evidence with `uncategorized_text` `winning_evidence` or
 * `losing_evidence` closes it won (funds reinstated) or lost, as in Stripe's test
 * mode. A charge on `pm_card_createIssuerFraudRecord` gets an actionable early
 * fraud warning, which a full refund makes not actionable.
 */
import type Stripe from 'stripe';
import { DAY } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import { LIST, boolean, mergeMetadata, metadata, object, oneOf, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type Route } from '../core/router.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';

const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;

type EvidenceField = (typeof EVIDENCE_FIELDS)[number];

function emptyEvidence(): Stripe.Dispute.Evidence {
  const evidence = { enhanced_evidence: {} } as Record<string, unknown>;
  for (const f of EVIDENCE_FIELDS) evidence[f] = null;
  return evidence as unknown as Stripe.Dispute.Evidence;
}

function balanceTransaction(ctx: Ctx, dispute: string, amount: number, currency: string, description: string): Stripe.BalanceTransaction {
  const fee = amount < 0 ? 1500 : -1500;
  return {
    id: ctx.id('balanceTransaction'),
    object: 'balance_transaction',
    amount,
    available_on: ctx.now + 2 * DAY,
    balance_type: 'payments',
    created: ctx.now,
    currency,
    description,
    exchange_rate: null,
    fee,
    fee_details: [{ amount: fee, application: null, currency, description: 'Dispute fee', type: 'stripe_fee' }],
    net: amount - fee,
    reporting_category: amount < 0 ? 'dispute' : 'dispute_reversal',
    source: dispute,
    status: 'pending',
    type: amount < 0 ? 'adjustment' : 'adjustment',
  };
}

/** The issuer opens a dispute on a charge (the `pm_card_createDispute` follow-up). */
export function openDispute(ctx: Ctx, charge: Entry<'charge'>): Entry<'dispute'> {
  const id = ctx.id('dispute');
  const c = charge.obj;
  const dispute: Stripe.Dispute = {
    id,
    object: 'dispute',
    amount: c.amount,
    balance_transactions: [balanceTransaction(ctx, id, -c.amount, c.currency, `Chargeback withdrawal for ${c.id}`)],
    charge: c.id,
    created: ctx.now,
    currency: c.currency,
    enhanced_eligibility_types: [],
    evidence: emptyEvidence(),
    evidence_details: {
      due_by: ctx.now + 7 * DAY,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: '10.4',
    payment_intent: c.payment_intent as string | null,
    payment_method_details: { type: 'card', card: { brand: c.payment_method_details?.card?.brand ?? 'visa', case_type: 'chargeback', network: c.payment_method_details?.card?.network ?? 'visa', network_reason_code: '10.4' } },
    reason: 'fraudulent',
    status: 'needs_response',
  };
  const entry = ctx.insert('dispute', dispute);
  ctx.update(charge, (o) => {
    o.disputed = true;
  });
  ctx.emit('charge.dispute.created', entry);
  ctx.emit('charge.dispute.funds_withdrawn', entry);
  return entry;
}

/** The issuer reports fraud on a charge (the `pm_card_createIssuerFraudRecord` follow-up). */
export function openEarlyFraudWarning(ctx: Ctx, charge: Entry<'charge'>): Entry<'radar.early_fraud_warning'> {
  const warning: Stripe.Radar.EarlyFraudWarning = {
    id: ctx.id('earlyFraudWarning'),
    object: 'radar.early_fraud_warning',
    actionable: true,
    charge: charge.id,
    created: ctx.now,
    fraud_type: 'made_with_stolen_card',
    livemode: false,
    ...(charge.obj.payment_intent ? { payment_intent: charge.obj.payment_intent as string } : {}),
  };
  const entry = ctx.insert('radar.early_fraud_warning', warning);
  ctx.emit('radar.early_fraud_warning.created', entry);
  return entry;
}

/** A fully refunded or disputed charge's warnings are no longer actionable. */
export function settleFraudWarnings(ctx: Ctx, chargeId: string): void {
  for (const w of ctx.store.byIndex('radar.early_fraud_warning', ctx.account, 'charge', chargeId)) {
    if (w.obj.actionable) ctx.update(w, (o) => { o.actionable = false; }, 'radar.early_fraud_warning.updated');
  }
}

const OPEN: readonly string[] = ['needs_response', 'warning_needs_response'];

function closeDispute(ctx: Ctx, dispute: Entry<'dispute'>, outcome: 'won' | 'lost'): void {
  ctx.update(dispute, (d) => {
    d.status = outcome;
    if (outcome === 'won') d.balance_transactions.push(balanceTransaction(ctx, d.id, d.amount, d.currency, `Chargeback reversal for ${String(d.charge)}`));
  });
  ctx.emit('charge.dispute.closed', dispute);
  if (outcome === 'won') ctx.emit('charge.dispute.funds_reinstated', dispute);
}

const evidenceShape = Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, string({ maxLength: 150000 })])) as Record<EvidenceField, ReturnType<typeof string>>;

export const disputeRoutes: Route[] = [
  route('GET', '/v1/disputes/:id', {}, (req) => req.ctx.render(mustGet(req, 'dispute', req.path.id as string, 'dispute'))),
  route('GET', '/v1/disputes', { ...LIST, charge: string(), payment_intent: string(), created: range() }, (req) => {
    const { charge, payment_intent: pi } = req.params;
    const store = req.rt.store;
    const candidates = charge ? store.byIndex('dispute', req.account, 'charge', charge) : pi ? store.byIndex('dispute', req.account, 'payment_intent', pi) : store.all('dispute', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/disputes', (e) => created(e.obj.created));
  }),
  route(
    'POST',
    '/v1/disputes/:id',
    { evidence: object({ ...evidenceShape, enhanced_evidence: object({}) }), metadata: metadata(), submit: boolean(), intended_submission_method: oneOf(['manual', 'prefer_manual', 'prefer_smart_disputes', 'smart_disputes']) },
    (req) => {
      const dispute = mustGet(req, 'dispute', req.path.id as string, 'dispute');
      const { evidence, submit } = req.params;
      if (!OPEN.includes(dispute.obj.status) && (evidence || submit)) {
        throw invalidRequest(`This dispute is already ${dispute.obj.status === 'won' || dispute.obj.status === 'lost' ? 'closed' : 'submitted'}; its evidence can no longer be changed.`, { code: 'dispute_already_closed' });
      }
      req.ctx.update(dispute, (d) => {
        if (evidence) {
          const target = d.evidence as unknown as Record<string, unknown>;
          for (const f of EVIDENCE_FIELDS) if (evidence[f] !== undefined) target[f] = evidence[f];
          d.evidence_details.has_evidence = true;
        }
        d.metadata = mergeMetadata(d.metadata, req.params.metadata);
        if (submit) {
          d.status = 'under_review';
          d.evidence_details.submission_count += 1;
          d.evidence_details.submission_method = 'manual';
          d.evidence_details.due_by = null;
        }
      }, 'charge.dispute.updated');
      if (submit) {
        const text = dispute.obj.evidence.uncategorized_text;
        if (text === 'winning_evidence') closeDispute(req.ctx, dispute, 'won');
        else if (text === 'losing_evidence') closeDispute(req.ctx, dispute, 'lost');
      }
      return req.ctx.render(dispute);
    },
  ),
  route('POST', '/v1/disputes/:id/close', {}, (req) => {
    const dispute = mustGet(req, 'dispute', req.path.id as string, 'dispute');
    if (dispute.obj.status === 'won' || dispute.obj.status === 'lost') throw invalidRequest('This dispute is already closed.', { code: 'dispute_already_closed' });
    closeDispute(req.ctx, dispute, 'lost');
    return req.ctx.render(dispute);
  }),
  route('GET', '/v1/radar/early_fraud_warnings/:id', {}, (req) => req.ctx.render(mustGet(req, 'radar.early_fraud_warning', req.path.id as string, 'early fraud warning'))),
  route('GET', '/v1/radar/early_fraud_warnings', { ...LIST, charge: string(), payment_intent: string(), created: range() }, (req) => {
    const { charge, payment_intent: pi } = req.params;
    const store = req.rt.store;
    const kind = 'radar.early_fraud_warning' as const;
    const candidates = charge ? store.byIndex(kind, req.account, 'charge', charge) : pi ? store.byIndex(kind, req.account, 'payment_intent', pi) : store.all(kind, req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/radar/early_fraud_warnings', (e) => created(e.obj.created));
  }),
];
