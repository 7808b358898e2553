/**
 * Connect OAuth's authorize page (`/oauth/authorize?client_id=ca_…&state=…&
 * redirect_uri=…&scope=read_write`): approving creates a connected account (or
 * reuses one named by `stripe_user[…]`) and redirects to `redirect_uri` with `code`
 * and `state`; denying redirects with `error=access_denied`. The platform then
 * exchanges the code at `POST /oauth/token`.
 */
import { html, redirect, type HttpRequest, type HttpResponse } from '../core/http.ts';
import type { Runtime } from '../core/runtime.ts';
import { createAuthorizationCode, createConnectedAccount } from '../resources/connect.ts';
import { esc, formFields, page, type PageRoute } from './layout.ts';

interface AuthorizeQuery {
  clientId: string;
  redirectUri: string;
  state: string | null;
  scope: string;
  email: string | null;
  businessName: string | null;
}

function parse(req: HttpRequest): AuthorizeQuery | string {
  const q = req.url.searchParams;
  const clientId = q.get('client_id') ?? '';
  if (!/^ca_[A-Za-z0-9]+$/.test(clientId)) return 'Missing or invalid client_id (expected ca_…).';
  const redirectUri = q.get('redirect_uri') ?? '';
  try {
    const u = new URL(redirectUri);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('bad protocol');
  } catch {
    return 'Missing or invalid redirect_uri.';
  }
  const responseType = q.get('response_type') ?? 'code';
  if (responseType !== 'code') return 'Invalid response_type: only "code" is supported.';
  const scope = q.get('scope') ?? 'read_write';
  if (scope !== 'read_write' && scope !== 'read_only') return 'Invalid scope: must be read_write or read_only.';
  return { clientId, redirectUri, state: q.get('state'), scope, email: q.get('stripe_user[email]'), businessName: q.get('stripe_user[business_name]') };
}

function back(query: AuthorizeQuery, params: Record<string, string>): HttpResponse {
  const target = new URL(query.redirectUri);
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  if (query.state !== null) target.searchParams.set('state', query.state);
  return redirect(target.toString(), 302);
}

function render(query: AuthorizeQuery, action: string): HttpResponse {
  const body = `
<h1>Connect your Stripe account</h1>
<p>The application <code>${esc(query.clientId)}</code> asks for <strong>${esc(query.scope)}</strong> access to a Stripe account.</p>
<form method="post" action="${esc(action)}">
  <label>Business name <input type="text" name="business_name" value="${esc(query.businessName ?? 'Sandbox connected account')}"></label>
  <label>Email <input type="email" name="email" value="${esc(query.email ?? '')}"></label>
  <button type="submit" name="decision" value="approve">Connect a test account</button>
  <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>
<p class="muted">After you choose, you are sent back to ${esc(query.redirectUri)}.</p>`;
  return html(200, page('Connect with Stripe', body));
}

function handle(rt: Runtime, req: HttpRequest): HttpResponse {
  const query = parse(req);
  if (typeof query === 'string') return html(400, page('Connect with Stripe', `<h1>Invalid request</h1><p class="error">${esc(query)}</p>`));
  if (req.method === 'GET') return render(query, `${req.url.pathname}${req.url.search}`);
  const form = formFields(req.body);
  if (form.decision !== 'approve') return back(query, { error: 'access_denied', error_description: 'The user denied your request' });
  // The account joins its platform when the platform exchanges the code (POST /oauth/token).
  const account = createConnectedAccount(rt, null, { email: form.email || query.email, businessName: form.business_name || query.businessName });
  const code = createAuthorizationCode(rt, query.clientId, account.id, query.scope);
  return back(query, { code, scope: query.scope });
}

export const oauthPages: PageRoute[] = [
  { method: 'GET', pattern: /^\/oauth\/authorize$/, handle: (rt, req) => handle(rt, req) },
  { method: 'POST', pattern: /^\/oauth\/authorize$/, handle: (rt, req) => handle(rt, req) },
];
