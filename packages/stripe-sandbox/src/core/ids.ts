/**
 * Stripe-shaped identifiers (`cus_…`, `price_…`, `cs_test_…`, `req_…`) drawn from the
 * sandbox's generator, and the account id a secret key stands for.
 */
import { createHash } from 'node:crypto';
import type { Random } from './prng.ts';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Prefix and length of the random part, as Stripe's ids look today. */
export const ID_FORMATS = {
  customer: ['cus_', 14],
  product: ['prod_', 14],
  price: ['price_', 24],
  checkoutSession: ['cs_test_', 58],
  subscription: ['sub_', 24],
  subscriptionItem: ['si_', 14],
  invoice: ['in_', 24],
  invoiceLine: ['il_', 24],
  invoicePayment: ['inpay_', 24],
  lineItem: ['li_', 24],
  paymentMethod: ['pm_', 24],
  paymentIntent: ['pi_', 24],
  charge: ['ch_', 24],
  refund: ['re_', 24],
  dispute: ['dp_', 24],
  earlyFraudWarning: ['issfr_', 24],
  balanceTransaction: ['txn_', 24],
  webhookEndpoint: ['we_', 24],
  event: ['evt_', 24],
  testClock: ['clock_', 24],
  portalConfiguration: ['bpc_', 24],
  portalSession: ['bps_', 24],
  feature: ['feat_', 24],
  productFeature: ['prodft_', 24],
  account: ['acct_', 16],
  request: ['req_', 14],
  oauthCode: ['ac_', 32],
  refreshToken: ['rt_', 32],
  secret: ['', 32],
  fingerprint: ['', 16],
  invoicePrefix: ['', 8],
} as const satisfies Record<string, readonly [string, number]>;

export type IdKind = keyof typeof ID_FORMATS;

export function randomString(random: Random, length: number, alphabet = ALPHABET): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random.next() * alphabet.length)];
  return out;
}

export function newId(random: Random, kind: IdKind): string {
  const [prefix, length] = ID_FORMATS[kind];
  return prefix + randomString(random, length);
}

/** Upper-case hex-like prefix for invoice numbers (`A1B2C3D4-0001`). */
export function newInvoicePrefix(random: Random): string {
  return randomString(random, 8, '0123456789ABCDEF');
}

/** Base62 of a sha256, for ids derived deterministically from a secret. */
export function hashId(prefix: string, input: string, length: number): string {
  const digest = createHash('sha256').update(input).digest();
  let out = '';
  for (let i = 0; out.length < length; i++) out += ALPHABET[(digest[i % digest.length] as number) % ALPHABET.length];
  return prefix + out;
}

/** Each distinct test key is its own account: `acct_…` derived from the key. */
export function accountIdForKey(key: string): string {
  return hashId('acct_1', `key:${key}`, 15);
}
