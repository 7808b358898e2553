/**
 * Money helpers: Stripe's decimal-string fields (typed as the SDK's `Decimal`,
 * which the SDK builds from the JSON string) and amounts for the hosted pages.
 */
import type Stripe from 'stripe';

export type Decimal = NonNullable<Stripe.Price['unit_amount_decimal']>;

/** The JSON form of a decimal field: a string such as "1999". */
export function decimal(value: number | string): Decimal {
  return String(value) as unknown as Decimal;
}

const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** `1999, 'usd'` → `$19.99`. */
export function formatAmount(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency.toLowerCase()) ? 0 : 2;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase(), minimumFractionDigits: digits }).format(amount / 10 ** digits);
  } catch {
    return `${(amount / 10 ** digits).toFixed(digits)} ${currency.toUpperCase()}`;
  }
}
