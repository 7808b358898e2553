/**
 * One error type for the whole server: a stable machine `code`, an HTTP
 * `status`, a human message and optional details. Rendered in one place
 * (`app.ts`) as `{"error": {"code", "message", "details"?}}`.
 *
 * Domains declare their errors as data in their own `errors.ts` using
 * `defineErrors`, so a code is spelled once and its status travels with it.
 */

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

type ErrorFactory = (message?: string, details?: unknown) => AppError;

/** Turns `{ code: [status, defaultMessage] }` into factories `errors.code(message?, details?)`. */
export function defineErrors<T extends Record<string, readonly [number, string]>>(table: T): { [K in keyof T]: ErrorFactory } {
  const out = {} as { [K in keyof T]: ErrorFactory };
  for (const [code, [status, fallback]] of Object.entries(table)) {
    out[code as keyof T] = (message?: string, details?: unknown) => new AppError(code, status, message ?? fallback, details);
  }
  return out;
}

/** Errors of the HTTP layer itself. */
export const httpErrors = defineErrors({
  not_found: [404, 'Not found.'],
  route_not_found: [404, 'No such route.'],
  invalid_json: [400, 'The request body is not valid JSON.'],
  validation_failed: [400, 'The request is not valid.'],
  unsupported_media_type: [415, 'Send the body as application/json.'],
  body_too_large: [413, 'The request body is too large.'],
  unauthenticated: [401, 'Authentication required.'],
  invalid_api_key: [401, 'The API key is not valid.'],
  forbidden: [403, 'You are not allowed to do this.'],
  csrf_failed: [403, 'Missing or wrong CSRF token: send the X-CSRF-Token header returned at login.'],
  rate_limited: [429, 'Too many requests.'],
  service_unavailable: [503, 'The service is temporarily unavailable.'],
  internal: [500, 'Internal error.'],
});
