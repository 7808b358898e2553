/**
 * Errors as Stripe sends them: `{ error: { type, code, message, param, doc_url, … } }`
 * with Stripe's status codes. Every failure in the sandbox is a `StripeApiError`
 * thrown from where it is detected and rendered in one place (the server).
 */

export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  request_log_url?: string;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /** Extra response headers (Retry-After, Stripe-Should-Retry). */
  readonly headers: Record<string, string>;
  /**
   * Stripe only saves an idempotent result once the endpoint started executing;
   * parameter validation and conflicts are not saved, so a corrected retry with the
   * same key runs.
   */
  readonly saveIdempotent: boolean;

  constructor(status: number, body: StripeErrorBody, opts: { headers?: Record<string, string>; saveIdempotent?: boolean } = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = opts.headers ?? {};
    this.saveIdempotent = opts.saveIdempotent ?? true;
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

export function invalidRequest(message: string, opts: { param?: string; code?: string; status?: number; saveIdempotent?: boolean } = {}): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (opts.code) {
    body.code = opts.code;
    body.doc_url = docUrl(opts.code);
  }
  if (opts.param) body.param = opts.param;
  return new StripeApiError(opts.status ?? 400, body, { saveIdempotent: opts.saveIdempotent ?? true });
}

/** A parameter problem: never saved as an idempotent result. */
export function paramError(code: string, message: string, param: string): StripeApiError {
  return invalidRequest(message, { code, param, saveIdempotent: false });
}

export function unknownParameter(param: string): StripeApiError {
  return paramError('parameter_unknown', `Received unknown parameter: ${param}`, param);
}

export function missingParameter(param: string): StripeApiError {
  return paramError('parameter_missing', `Missing required param: ${param}.`, param);
}

/** `No such customer: 'cus_x'` — the 404 every retrieve by a wrong id answers. */
export function resourceMissing(noun: string, id: string, param = 'id'): StripeApiError {
  return invalidRequest(`No such ${noun}: '${id}'`, { code: 'resource_missing', param, status: 404 });
}

export function cardDeclined(opts: { declineCode: string; message: string; code?: string; charge?: string; paymentIntent?: unknown; paymentMethod?: unknown }): StripeApiError {
  const code = opts.code ?? 'card_declined';
  const body: StripeErrorBody = {
    type: 'card_error',
    code,
    decline_code: opts.declineCode,
    message: opts.message,
    doc_url: docUrl(code),
  };
  if (opts.charge) body.charge = opts.charge;
  if (opts.paymentIntent) body.payment_intent = opts.paymentIntent;
  if (opts.paymentMethod) body.payment_method = opts.paymentMethod;
  return new StripeApiError(402, body);
}

export function authenticationError(message: string, code?: string): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (code) body.code = code;
  return new StripeApiError(401, body, { saveIdempotent: false });
}

export function idempotencyMismatch(key: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  }, { saveIdempotent: false });
}

export function idempotencyInFlight(): StripeApiError {
  return new StripeApiError(409, {
    type: 'idempotency_error',
    code: 'idempotency_key_in_use',
    message: 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): please try again later.',
  }, { saveIdempotent: false, headers: { 'Stripe-Should-Retry': 'true' } });
}

export function rateLimited(retryAfterSeconds: number): StripeApiError {
  return new StripeApiError(429, {
    type: 'invalid_request_error',
    code: 'rate_limit',
    message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
    doc_url: docUrl('rate_limit'),
  }, { saveIdempotent: false, headers: { 'Retry-After': String(retryAfterSeconds), 'Stripe-Should-Retry': 'true' } });
}

export function apiError(status = 500, message = 'An unknown error occurred'): StripeApiError {
  return new StripeApiError(status, { type: 'api_error', message }, { saveIdempotent: false, headers: { 'Stripe-Should-Retry': 'true' } });
}

export function routeNotFound(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    { status: 404, saveIdempotent: false },
  );
}

/** OAuth endpoints answer `{ error, error_description }` instead of an error object. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: 'invalid_grant' | 'invalid_client' | 'invalid_request' | 'invalid_scope' | 'unsupported_grant_type';

  constructor(error: OAuthError['error'], description: string, status = 400) {
    super(description);
    this.error = error;
    this.status = status;
  }
}
