/**
 * Internal domain events. A domain that changes state emits an event inside
 * its transaction: the event is written to the outbox table and every
 * subscribed handler runs in that same transaction (so, e.g., entitlements are
 * recomputed atomically with the subscription change that affects them).
 * Handlers must not do network I/O; they enqueue jobs for that.
 */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';

/** A subscription as the entitlement engine needs to see it. */
export interface SubscriptionSnapshot {
  status: string;
  /** Stripe price ids of the subscription's items. */
  priceIds: string[];
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: string | null;
  /** When the first payment of the current delinquency failed (grace starts here); null when in good standing. */
  pastDueSince: string | null;
  endedAt: string | null;
}

export interface DomainEventMap {
  'subscription.changed': {
    tenantId: string;
    mode: Mode;
    /** Stripe subscription id. */
    subscription: string;
    /** Stripe customer id. */
    customer: string;
    before: SubscriptionSnapshot | null;
    after: SubscriptionSnapshot;
  };
  'checkout.completed': {
    tenantId: string;
    mode: Mode;
    session: string;
    customer: string | null;
    subscription: string | null;
    clientReferenceId: string | null;
    customerEmail: string | null;
    metadata: Record<string, string>;
  };
  'invoice.payment_failed': {
    tenantId: string;
    mode: Mode;
    invoice: string;
    customer: string;
    subscription: string | null;
    attemptCount: number;
    nextPaymentAttempt: string | null;
    amountDue: number;
    currency: string;
    hostedInvoiceUrl: string | null;
  };
  /** A customer's materialized entitlements changed (after a recomputation). */
  'entitlements.changed': {
    tenantId: string;
    mode: Mode;
    customerId: string;
    externalId: string;
    entitlements: Array<{ feature: string; value: number | null; source: 'subscription' | 'grant'; valid_until: string | null }>;
  };
  /** A product's granted features (or a feature's type) changed: recompute its holders' entitlements. */
  'product.features_changed': {
    tenantId: string;
    mode: Mode;
    productId: string;
  };
  'customer.changed': {
    tenantId: string;
    mode: Mode;
    customer: string;
    email: string | null;
    deleted: boolean;
    metadata: Record<string, string>;
  };
}

export type DomainEventType = keyof DomainEventMap;
export type DomainEventHandler<T extends DomainEventType> = (tx: Queryable, event: DomainEventMap[T]) => Promise<void>;

export class DomainEvents {
  private readonly handlers = new Map<DomainEventType, DomainEventHandler<any>[]>();

  constructor(private readonly clock: Clock) {}

  on<T extends DomainEventType>(type: T, handler: DomainEventHandler<T>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  /** Writes the event to the outbox and runs its handlers, all in `tx`. */
  async emit<T extends DomainEventType>(tx: Queryable, type: T, event: DomainEventMap[T], subject?: string): Promise<void> {
    await tx.query('insert into outbox (tenant_id, mode, type, subject, payload, created_at) values ($1, $2, $3, $4, $5, $6)', [
      event.tenantId,
      event.mode,
      type,
      subject ?? null,
      JSON.stringify(event),
      this.clock.now(),
    ]);
    for (const handler of this.handlers.get(type) ?? []) await handler(tx, event);
  }
}
