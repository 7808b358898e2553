/**
 * The ledger's neutral vocabulary: one record per Stripe object as Tollgate
 * stores it. `providers/stripe/ledger.ts` translates Stripe objects into these;
 * the billing domain never sees a Stripe SDK type. A record with
 * `deleted: true` is a tombstone (the object is gone from Stripe): it marks
 * the row deleted and keeps everything else that was known.
 */

export type LedgerKind =
  | 'customer'
  | 'subscription'
  | 'invoice'
  | 'payment_intent'
  | 'charge'
  | 'refund'
  | 'payment_method'
  | 'checkout_session'
  | 'dispute'
  | 'early_fraud_warning'
  | 'entitlement_summary';

/** Which object to (re)read from Stripe. */
export interface LedgerRef {
  kind: LedgerKind;
  id: string;
}

type Raw = Record<string, unknown>;

export interface Tombstone {
  kind: LedgerKind;
  stripeId: string;
  deleted: true;
}

export interface CustomerRecord {
  kind: 'customer';
  stripeId: string;
  deleted: false;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  defaultPaymentMethod: string | null;
  created: Date | null;
  raw: Raw;
}

export interface SubscriptionItemRecord {
  stripeId: string;
  priceId: string | null;
  productId: string | null;
  quantity: number | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  raw: Raw;
}

export interface SubscriptionRecord {
  kind: 'subscription';
  stripeId: string;
  deleted: false;
  customerId: string | null;
  status: string;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  startDate: Date | null;
  created: Date | null;
  latestInvoiceId: string | null;
  /**
   * When the payment of the latest invoice first failed, if that invoice is
   * still unpaid (the start of a delinquency as Stripe's data shows it).
   */
  latestInvoiceFailedAt: Date | null;
  defaultPaymentMethod: string | null;
  metadata: Record<string, string>;
  items: SubscriptionItemRecord[];
  raw: Raw;
}

export interface InvoiceRecord {
  kind: 'invoice';
  stripeId: string;
  deleted: false;
  customerId: string | null;
  subscriptionId: string | null;
  status: string | null;
  billingReason: string | null;
  number: string | null;
  currency: string;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  total: number;
  periodStart: Date | null;
  periodEnd: Date | null;
  hostedInvoiceUrl: string | null;
  attemptCount: number;
  nextPaymentAttempt: Date | null;
  finalizedAt: Date | null;
  paidAt: Date | null;
  paymentIntentIds: string[];
  created: Date | null;
  raw: Raw;
}

export interface PaymentIntentRecord {
  kind: 'payment_intent';
  stripeId: string;
  deleted: false;
  customerId: string | null;
  status: string;
  amount: number;
  amountReceived: number;
  currency: string;
  latestChargeId: string | null;
  paymentMethodId: string | null;
  lastPaymentErrorCode: string | null;
  canceledAt: Date | null;
  created: Date | null;
  raw: Raw;
}

export interface ChargeRecord {
  kind: 'charge';
  stripeId: string;
  deleted: false;
  customerId: string | null;
  paymentIntentId: string | null;
  status: string;
  amount: number;
  amountCaptured: number;
  amountRefunded: number;
  currency: string;
  paid: boolean;
  refunded: boolean;
  disputed: boolean;
  failureCode: string | null;
  failureMessage: string | null;
  paymentMethodId: string | null;
  cardBrand: string | null;
  cardLast4: string | null;
  created: Date | null;
  raw: Raw;
}

export interface RefundRecord {
  kind: 'refund';
  stripeId: string;
  deleted: false;
  chargeId: string | null;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  status: string | null;
  reason: string | null;
  failureReason: string | null;
  created: Date | null;
  raw: Raw;
}

export interface PaymentMethodRecord {
  kind: 'payment_method';
  stripeId: string;
  deleted: false;
  customerId: string | null;
  type: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  created: Date | null;
  /** Only the fields above: no billing details, no fingerprint. */
  raw: Raw;
}

export interface CheckoutSessionRecord {
  kind: 'checkout_session';
  stripeId: string;
  deleted: false;
  sessionMode: string;
  status: string | null;
  paymentStatus: string;
  customerId: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  invoiceId: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  metadata: Record<string, string>;
  amountTotal: number | null;
  currency: string | null;
  expiresAt: Date | null;
  created: Date | null;
  raw: Raw;
}

export interface DisputeRecord {
  kind: 'dispute';
  stripeId: string;
  deleted: false;
  chargeId: string | null;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  reason: string;
  status: string;
  evidenceDueBy: Date | null;
  created: Date | null;
  raw: Raw;
}

export interface EarlyFraudWarningRecord {
  kind: 'early_fraud_warning';
  stripeId: string;
  deleted: false;
  chargeId: string | null;
  paymentIntentId: string | null;
  fraudType: string;
  actionable: boolean;
  created: Date | null;
  raw: Raw;
}

export interface EntitlementSummaryRecord {
  kind: 'entitlement_summary';
  /** The customer id. */
  stripeId: string;
  deleted: false;
  lookupKeys: string[];
  raw: Raw;
}

export type LiveRecord =
  | CustomerRecord
  | SubscriptionRecord
  | InvoiceRecord
  | PaymentIntentRecord
  | ChargeRecord
  | RefundRecord
  | PaymentMethodRecord
  | CheckoutSessionRecord
  | DisputeRecord
  | EarlyFraudWarningRecord
  | EntitlementSummaryRecord;

export type LedgerRecord = LiveRecord | Tombstone;

/** What a Stripe event asks Tollgate to do, in neutral terms. */
export type EventAction =
  /** Re-read these objects from Stripe and project them (primary first). */
  | { action: 'project'; refs: LedgerRef[] }
  /** Hand the event to the catalog (product.*, price.*). */
  | { action: 'catalog' }
  /** The tenant revoked Tollgate's access to their Stripe account. */
  | { action: 'deauthorized' }
  /** Recorded, nothing to do. */
  | { action: 'ignore' };
