/**
 * Refunds, full or partial, by charge or payment intent. A refund succeeds at once
 * (test cards refund synchronously), updates the charge's `amount_refunded` and
 * `refunded`, and emits `refund.created` then `charge.refunded`. A disputed charge
 * cannot be refunded; a fully refunded one makes its fraud warnings not actionable.
 */
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../core/errors.ts';
import { formatAmount } from '../core/money.ts';
import { LIST, boolean, integer, mergeMetadata, metadata, oneOf, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type Route } from '../core/router.ts';
import type { Entry } from '../core/store.ts';
import { settleFraudWarnings } from './disputes.ts';

export const refundRoutes: Route[] = [
  route(
    'POST',
    '/v1/refunds',
    {
      charge: string(),
      payment_intent: string(),
      amount: integer({ min: 1 }),
      reason: oneOf(['duplicate', 'fraudulent', 'requested_by_customer']),
      metadata: metadata(),
      instructions_email: string(),
      refund_application_fee: boolean(),
      reverse_transfer: boolean(),
    },
    (req) => {
      const { ctx, params: p } = req;
      let charge: Entry<'charge'> | undefined;
      if (p.charge) {
        charge = mustGet(req, 'charge', p.charge, 'charge', 'charge');
      } else if (p.payment_intent) {
        const pi = mustGet(req, 'payment_intent', p.payment_intent, 'payment_intent', 'payment_intent');
        const latest = pi.obj.latest_charge as string | null;
        charge = latest ? ctx.get('charge', latest) : undefined;
        if (!charge || pi.obj.status !== 'succeeded') {
          throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: 'payment_intent', code: 'charge_not_refundable' });
        }
      } else {
        throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing', saveIdempotent: false });
      }
      if (p.charge && p.payment_intent && charge.obj.payment_intent !== p.payment_intent) {
        throw resourceMissing('charge', p.charge, 'charge');
      }
      const c = charge.obj;
      if (c.status !== 'succeeded') throw invalidRequest(`Charge ${c.id} has not succeeded, so it cannot be refunded.`, { param: 'charge', code: 'charge_not_refundable' });
      if (c.disputed) throw invalidRequest(`Charge ${c.id} has been charged back; cannot issue a refund.`, { param: 'charge', code: 'charge_disputed' });
      const remaining = c.amount - c.amount_refunded;
      if (remaining <= 0) throw invalidRequest(`Charge ${c.id} has already been refunded.`, { param: 'charge', code: 'charge_already_refunded' });
      const amount = p.amount ?? remaining;
      if (amount > remaining) {
        throw invalidRequest(`Refund amount (${formatAmount(amount, c.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, c.currency)})`, { param: 'amount', code: 'amount_too_large' });
      }
      const refund: Stripe.Refund = {
        id: ctx.id('refund'),
        object: 'refund',
        amount,
        balance_transaction: null,
        charge: c.id,
        created: ctx.now,
        currency: c.currency,
        customer: c.customer as string | null,
        customer_account: null,
        destination_details: { type: 'card', card: { reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund', reference: ctx.id('fingerprint') } },
        metadata: p.metadata ?? {},
        payment_intent: c.payment_intent as string | null,
        payment_method: c.payment_method,
        reason: p.reason ?? null,
        receipt_number: null,
        source_transfer_reversal: null,
        status: 'succeeded',
        transfer_reversal: null,
      };
      const entry = ctx.insert('refund', refund);
      ctx.emit('refund.created', entry);
      ctx.update(charge, (o) => {
        o.amount_refunded += amount;
        o.refunded = o.amount_refunded >= o.amount;
      });
      ctx.emit('charge.refunded', charge);
      if (charge.obj.refunded) settleFraudWarnings(ctx, c.id);
      return ctx.render(entry);
    },
  ),
  route('GET', '/v1/refunds/:id', {}, (req) => req.ctx.render(mustGet(req, 'refund', req.path.id as string, 'refund'))),
  route('POST', '/v1/refunds/:id', { metadata: metadata() }, (req) => {
    const refund = mustGet(req, 'refund', req.path.id as string, 'refund');
    const meta = req.params.metadata;
    req.ctx.update(refund, (r) => {
      r.metadata = mergeMetadata(r.metadata, meta);
    }, 'refund.updated');
    return req.ctx.render(refund);
  }),
  route('GET', '/v1/refunds', { ...LIST, charge: string(), payment_intent: string(), created: range() }, (req) => {
    const { charge, payment_intent: pi } = req.params;
    const store = req.rt.store;
    const candidates = charge ? store.byIndex('refund', req.account, 'charge', charge) : pi ? store.byIndex('refund', req.account, 'payment_intent', pi) : store.all('refund', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/refunds', (e) => created(e.obj.created));
  }),
];
