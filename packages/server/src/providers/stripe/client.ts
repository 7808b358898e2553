/**
 * The only place Tollgate builds Stripe SDK clients. With
 * TOLLGATE_STRIPE_API_BASE set (tests, the offline demo) the same official SDK
 * talks to the sandbox over HTTP; live keys never go anywhere but Stripe.
 */
import Stripe from 'stripe';

export type { Stripe };
/** The SDK client type, for code outside providers/stripe that only passes clients along. */
export type StripeClient = Stripe;

export interface StripeClientOptions {
  /** e.g. http://127.0.0.1:12111; ignored for live keys. */
  apiBase?: string;
  /** Connect: act on behalf of this connected account. */
  stripeAccount?: string;
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

export function isLiveKey(key: string): boolean {
  return /^(sk|rk)_live_/.test(key);
}

export function createStripeClient(secretKey: string, options: StripeClientOptions = {}): Stripe {
  const config: Stripe.StripeConfig = {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: 'Tollgate', url: 'https://github.com/tollgate' },
  };
  if (options.stripeAccount) config.stripeAccount = options.stripeAccount;
  if (options.apiBase && !isLiveKey(secretKey)) {
    const url = new URL(options.apiBase);
    config.host = url.hostname;
    config.port = url.port || (url.protocol === 'https:' ? 443 : 80);
    config.protocol = url.protocol === 'https:' ? 'https' : 'http';
  }
  return new Stripe(secretKey, config);
}
