/**
 * Classifies Stripe SDK errors by `type` and `code` (never by message text)
 * into our stable error codes, and says whether retrying can help.
 */
import Stripe from 'stripe';
import { AppError } from '../../http/errors.ts';
import { redactText } from '../../log/logger.ts';

export interface StripeFailure {
  /** Stripe's error type, e.g. StripeCardError, StripeRateLimitError. */
  type: string;
  code?: string;
  status?: number;
  message: string;
  /** A retry may succeed (network, 5xx, rate limit, lock timeout). */
  retryable: boolean;
  requestId?: string;
}

export function describeStripeError(err: unknown): StripeFailure {
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode;
    const retryable =
      err instanceof Stripe.errors.StripeConnectionError ||
      err instanceof Stripe.errors.StripeRateLimitError ||
      err instanceof Stripe.errors.StripeAPIError ||
      err.code === 'lock_timeout' ||
      (status !== undefined && status >= 500);
    return {
      type: err.type,
      code: err.code,
      status,
      message: redactText(err.message),
      retryable,
      requestId: err.requestId,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { type: 'Unknown', message: redactText(message), retryable: true };
}

/** Turns a Stripe failure into an AppError a client can act on. */
export function stripeAppError(err: unknown, context: string): AppError {
  const f = describeStripeError(err);
  if (f.type === 'StripeAuthenticationError') {
    return new AppError('stripe_key_invalid', 400, `Stripe rejected the key while ${context}: ${f.message}`, { stripe_code: f.code });
  }
  if (f.type === 'StripePermissionError') {
    return new AppError('stripe_permission_denied', 400, `The Stripe key lacks a permission needed for ${context}: ${f.message}`, { stripe_code: f.code });
  }
  if (f.type === 'StripeCardError') {
    return new AppError('card_declined', 402, f.message, { stripe_code: f.code });
  }
  if (f.type === 'StripeInvalidRequestError') {
    return new AppError('stripe_invalid_request', 400, `Stripe refused the request while ${context}: ${f.message}`, { stripe_code: f.code });
  }
  if (f.type === 'StripeRateLimitError') {
    return new AppError('stripe_rate_limited', 503, `Stripe is rate limiting requests while ${context}; try again shortly.`, undefined, { 'retry-after': '2' });
  }
  return new AppError('stripe_unavailable', 502, `Stripe could not be reached while ${context}: ${f.message}`, { stripe_type: f.type, request_id: f.requestId });
}
