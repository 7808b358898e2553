/**
 * Verifying Stripe webhook signatures on the raw request body with the SDK's
 * `constructEvent` (HMAC-SHA256 over `t.payload`, 300 s tolerance), and signing
 * payloads the same way for tests and benchmarks.
 *
 * The tolerance is measured against the wall clock, not the app's injected
 * business clock: Stripe (and the sandbox) sign with the real time of sending,
 * whatever time a test clock says it is.
 */
import Stripe from 'stripe';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

// Signature checks need no API key; one offline instance does them all.
const offline = new Stripe('offline', { telemetry: false });

export type SignatureFailure = 'signature_invalid' | 'event_invalid';

export type VerifiedEvent = { ok: true; event: unknown } | { ok: false; failure: SignatureFailure; detail: string };

/**
 * Checks `header` against `raw` with `secret` and parses the payload. A good
 * signature on a body that is not JSON is `event_invalid`; anything wrong with
 * the signature itself (absent scheme, bad HMAC, too old) is `signature_invalid`.
 */
export function verifyStripeSignature(raw: Buffer, header: string, secret: string, nowMs: number): VerifiedEvent {
  try {
    return { ok: true, event: offline.webhooks.constructEvent(raw, header, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, nowMs) as unknown };
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      return { ok: false, failure: 'signature_invalid', detail: 'the Stripe-Signature header does not match the body, or is too old' };
    }
    // constructEvent verifies first, then parses: anything else means a good signature on a bad body.
    return { ok: false, failure: 'event_invalid', detail: err instanceof SyntaxError ? 'the body is not valid JSON' : 'the body is not a Stripe event' };
  }
}

/** A `Stripe-Signature` header for `payload`, exactly as Stripe computes it (tests, bench). */
export function signStripePayload(payload: string, secret: string, timestampSeconds?: number): string {
  return offline.webhooks.generateTestHeaderString({ payload, secret, ...(timestampSeconds === undefined ? {} : { timestamp: timestampSeconds }) });
}
