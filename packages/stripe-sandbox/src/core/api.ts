/**
 * The API request pipeline, in Stripe's order: authenticate the key, scope to the
 * account (`Stripe-Account`), apply API faults, match the route, decode and validate
 * parameters, check the `Idempotency-Key`, run the handler, commit its events,
 * expand, answer — with a `Request-Id` on every response and errors in Stripe's
 * shape. Nothing a client sends can crash it: unexpected errors become a 500
 * `api_error`.
 */
import {
  OAuthError,
  StripeApiError,
  apiError,
  authenticationError,
  invalidRequest,
  rateLimited,
  routeNotFound,
} from './errors.ts';
import { decodeForm, type FormRecord } from './form.ts';
import { header, json, type HttpRequest, type HttpResponse } from './http.ts';
import { fingerprint, type SavedResponse } from './idempotency.ts';
import { newId } from './ids.ts';
import { EXPAND, parseShape } from './params.ts';
import { expand } from './render.ts';
import type { Caller, Router } from './router.ts';
import { API_VERSION, type Ctx, type Runtime } from './runtime.ts';

export interface ResponseInfo {
  method: string;
  path: string;
  /** The route template that matched (`/v1/customers/:id`), when one did. */
  route: string | null;
  status: number;
  body: string;
  requestId: string;
  account: string | null;
}

function mask(key: string): string {
  return key.length <= 12 ? `${key.slice(0, 8)}****` : `${key.slice(0, 8)}****${key.slice(-4)}`;
}

function readKey(req: HttpRequest): string | null {
  const auth = header(req, 'authorization');
  if (!auth) return null;
  const [scheme, value] = auth.split(/\s+/, 2) as [string, string | undefined];
  if (!value) return null;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':')[0]?.trim() || null;
  }
  return null;
}

/** Who is calling: the key's account, or a 401 in Stripe's words. */
export function authenticate(rt: Runtime, req: HttpRequest): Caller {
  const key = readKey(req);
  if (!key) {
    throw authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (/^(sk|rk)_live_/.test(key)) {
    throw authenticationError(`Invalid API Key provided: ${mask(key)}. The Stripe sandbox only accepts test mode keys (sk_test_… or rk_test_…); live mode keys are refused.`, 'api_key_invalid');
  }
  if (/^pk_/.test(key)) {
    throw authenticationError('This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.', 'secret_key_required');
  }
  if (!/^(sk|rk)_test_[A-Za-z0-9_-]+$/.test(key)) throw authenticationError(`Invalid API Key provided: ${mask(key)}`, 'api_key_invalid');
  if (rt.accounts.revoked.has(key)) {
    throw authenticationError(`Expired API Key provided: ${mask(key)}. Application access may have been revoked.`, 'api_key_expired');
  }
  const record = rt.accounts.forKey(key, rt.clock.now());
  return { key, keyAccount: record.id };
}

/** The account a request acts on: its own, or a connected one through `Stripe-Account`. */
export function scopeAccount(rt: Runtime, req: HttpRequest, caller: Caller): string {
  const requested = header(req, 'stripe-account')?.trim();
  if (!requested || requested === caller.keyAccount) return caller.keyAccount;
  const record = rt.accounts.get(requested);
  if (!record || record.platform !== caller.keyAccount) {
    throw new StripeApiError(403, {
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: `The provided key '${mask(caller.key)}' does not have access to account '${requested}' (or that account does not exist). Application access may have been revoked.`,
    }, { saveIdempotent: false });
  }
  return requested;
}

function decodeParams(req: HttpRequest): FormRecord {
  if (req.method === 'POST') {
    const type = header(req, 'content-type') ?? '';
    if (type && !type.includes('application/x-www-form-urlencoded') && req.body.trim() !== '') {
      throw invalidRequest(`Invalid request: unsupported Content-Type ${type.split(';')[0]}. The Stripe API takes application/x-www-form-urlencoded bodies.`, { saveIdempotent: false });
    }
    return decodeForm(req.body);
  }
  return decodeForm(req.url.search.slice(1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorResponse(err: unknown): { status: number; body: unknown; headers: Record<string, string>; save: boolean } {
  if (err instanceof StripeApiError) return { status: err.status, body: { error: err.body }, headers: err.headers, save: err.saveIdempotent };
  if (err instanceof OAuthError) return { status: err.status, body: { error: err.error, error_description: err.message }, headers: {}, save: false };
  const crash = apiError(500, `An unexpected error occurred in the Stripe sandbox: ${err instanceof Error ? err.message : String(err)}`);
  return { status: 500, body: { error: crash.body }, headers: {}, save: false };
}

export async function handleApi(rt: Runtime, router: Router, req: HttpRequest, onResponse?: (info: ResponseInfo) => void): Promise<HttpResponse> {
  const requestId = newId(rt.random, 'request');
  const path = req.url.pathname;
  const method = req.method;
  const idemKey = method === 'POST' ? header(req, 'idempotency-key')?.trim() || null : null;
  const baseHeaders: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': API_VERSION, 'Cache-Control': 'no-cache, no-store' };
  if (idemKey) baseHeaders['Idempotency-Key'] = idemKey;
  let account: string | null = null;
  let routeTemplate: string | null = null;
  let ctx: Ctx | null = null;
  let idemStarted = false;
  let afterFault: number | null = null;

  const finish = (response: HttpResponse): HttpResponse => {
    try {
      onResponse?.({ method, path, route: routeTemplate, status: response.status, body: response.body, requestId, account });
    } catch {
      // an observer's failure must not change what the client gets
    }
    return response;
  };

  try {
    const caller = authenticate(rt, req);
    account = scopeAccount(rt, req, caller);
    const decision = rt.faults.decideApi(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.rateLimit) throw rateLimited(decision.rateLimit.retryAfter);
    if (decision.error?.phase === 'before') throw apiError(decision.error.status);
    if (decision.error?.phase === 'after') afterFault = decision.error.status;

    const match = router.match(method, path);
    if (!match) throw routeNotFound(method, path);
    routeTemplate = match.route.path;
    const params = parseShape({ ...match.route.params, ...EXPAND }, decodeParams(req));

    if (idemKey) {
      const replay = rt.idempotency.begin(account, idemKey, fingerprint(method, path, params));
      if (replay) {
        return finish({ status: replay.status, headers: { ...replay.headers, 'Idempotent-Replayed': 'true' }, body: replay.body });
      }
      idemStarted = true;
    }

    ctx = rt.ctx(account, { id: requestId, idempotency_key: idemKey });
    const result = match.route.handler({ rt, ctx, account, caller, params, path: match.path });
    ctx.commit();
    const body = JSON.stringify(expand(ctx.view, result, (params as { expand?: string[] | null }).expand), null, 2);
    const response: HttpResponse = { status: 200, headers: { 'Content-Type': 'application/json', ...baseHeaders }, body };
    if (idemStarted && idemKey) rt.idempotency.finish(account, idemKey, { status: 200, headers: response.headers, body } satisfies SavedResponse);
    if (afterFault !== null) {
      const fault = apiError(afterFault);
      return finish(json(afterFault, { error: fault.body }, { ...baseHeaders, ...fault.headers }));
    }
    return finish(response);
  } catch (err) {
    if (ctx) {
      try {
        ctx.commit();
      } catch {
        // the original error is what the client needs to see
      }
    }
    const { status, body, headers, save } = errorResponse(err);
    const response = json(status, body, { ...baseHeaders, ...headers });
    if (idemStarted && idemKey && account) rt.idempotency.finish(account, idemKey, save && status < 500 ? { status, headers: response.headers, body: response.body } : null);
    return finish(response);
  }
}
