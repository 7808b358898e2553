/**
 * What the tenant's backend hears: the domain events that matter to it,
 * turned into outbound messages in the transaction that made the change.
 * Stripe ids are kept, and translated to the app's own ids (customer
 * external ids, price and product keys) wherever Tollgate knows them.
 */
import type { Queryable } from '../db/types.ts';
import type { DomainEvents, SubscriptionSnapshot } from '../events/bus.ts';
import type { Mode } from '../http/context.ts';
import { payloadRepository } from './repository.ts';
import type { OutboundService } from './service.ts';

async function subscriptionView(tx: Queryable, tenantId: string, mode: Mode, s: SubscriptionSnapshot) {
  const prices = await payloadRepository.priceKeys(tx, tenantId, mode, s.priceIds);
  const known = new Map(prices.map((p) => [p.stripe_price_id, p]));
  return {
    status: s.status,
    cancel_at_period_end: s.cancelAtPeriodEnd,
    current_period_end: s.currentPeriodEnd,
    trial_end: s.trialEnd,
    past_due_since: s.pastDueSince,
    ended_at: s.endedAt,
    items: s.priceIds.map((id) => ({ stripe_price_id: id, price: known.get(id)?.price ?? null, product: known.get(id)?.product ?? null })),
  };
}

export function registerOutboundEvents(events: DomainEvents, outbound: OutboundService): void {
  events.on('entitlements.changed', async (tx, e) => {
    await outbound.publish(tx, e.tenantId, e.mode, 'entitlements.updated', async () => ({ mode: e.mode, customer: e.externalId, entitlements: e.entitlements }));
  });

  events.on('subscription.changed', async (tx, e) => {
    await outbound.publish(tx, e.tenantId, e.mode, 'subscription.updated', async () => ({
      mode: e.mode,
      subscription: e.subscription,
      stripe_customer: e.customer,
      customers: e.customer ? await payloadRepository.externalIdsForStripe(tx, e.tenantId, e.mode, e.customer) : [],
      previous_status: e.before?.status ?? null,
      ...(await subscriptionView(tx, e.tenantId, e.mode, e.after)),
    }));
  });

  events.on('invoice.payment_failed', async (tx, e) => {
    await outbound.publish(tx, e.tenantId, e.mode, 'invoice.payment_failed', async () => ({
      mode: e.mode,
      invoice: e.invoice,
      stripe_customer: e.customer,
      customers: await payloadRepository.externalIdsForStripe(tx, e.tenantId, e.mode, e.customer),
      subscription: e.subscription,
      attempt_count: e.attemptCount,
      next_payment_attempt: e.nextPaymentAttempt,
      amount_due: e.amountDue,
      currency: e.currency,
      hosted_invoice_url: e.hostedInvoiceUrl,
    }));
  });

  events.on('checkout.completed', async (tx, e) => {
    await outbound.publish(tx, e.tenantId, e.mode, 'checkout.completed', async () => {
      const customers = e.customer ? await payloadRepository.externalIdsForStripe(tx, e.tenantId, e.mode, e.customer) : [];
      const referenced = e.clientReferenceId ? await payloadRepository.externalIdById(tx, e.tenantId, e.clientReferenceId) : undefined;
      if (referenced && !customers.includes(referenced)) customers.push(referenced);
      return {
        mode: e.mode,
        session: e.session,
        stripe_customer: e.customer,
        customers,
        subscription: e.subscription,
        customer_email: e.customerEmail,
        price: e.metadata.tollgate_price_key ?? null,
      };
    });
  });
}
