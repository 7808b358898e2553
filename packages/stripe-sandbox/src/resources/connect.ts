/**
 * Connect: accounts (your own with `GET /v1/account`, connected ones by id, create
 * and list connected accounts) and the OAuth pair — `POST /oauth/token` (an
 * authorization code or refresh token for an `sk_test_…` access token acting as the
 * connected account) and `POST /oauth/deauthorize` (revokes the tokens and emits
 * `account.application.deauthorized`, delivered to the platform's Connect
 * endpoints). The authorize page is in `pages/oauth-page.ts`.
 */
import type Stripe from 'stripe';
import { OAuthError, resourceMissing } from '../core/errors.ts';
import { buildAccount, type AccountRecord } from '../core/accounts.ts';
import { hashId, newId, randomString } from '../core/ids.ts';
import { LIST, ignored, metadata, mergeMetadata, object, oneOf, string } from '../core/params.ts';
import { route, type Route } from '../core/router.ts';
import type { Runtime } from '../core/runtime.ts';

/** The Connect client id (`ca_…`) of a platform account, registered on first use. */
export function clientIdFor(rt: Runtime, platform: string): string {
  for (const [ca, owner] of rt.accounts.clientIds) if (owner === platform) return ca;
  const ca = hashId('ca_', `client:${platform}`, 32);
  rt.accounts.clientIds.set(ca, platform);
  rt.changed();
  return ca;
}

export interface NewConnectedAccount {
  email?: string | null;
  businessName?: string | null;
  country?: string | null;
  type?: 'standard' | 'express' | 'custom';
}

/** A new connected account, linked to `platform` (null until an OAuth code is exchanged). */
export function createConnectedAccount(rt: Runtime, platform: string | null, opts: NewConnectedAccount = {}, clientId: string | null = null): AccountRecord {
  const id = newId(rt.random, 'account');
  const record: AccountRecord = {
    id,
    account: buildAccount(id, { created: rt.clock.now(), email: opts.email ?? null, name: opts.businessName ?? null, country: opts.country ?? 'US', type: opts.type ?? 'standard' }),
    platform,
    clientId,
  };
  rt.accounts.records.set(id, record);
  rt.changed();
  return record;
}

export function createAuthorizationCode(rt: Runtime, clientId: string, account: string, scope: string): string {
  const code = newId(rt.random, 'oauthCode');
  rt.accounts.codes.set(code, { code, clientId, account, scope, used: false, createdMs: Date.now() });
  rt.changed();
  return code;
}

function issueToken(rt: Runtime, account: AccountRecord, platform: string, clientId: string, scope: string, refreshToken?: string): Stripe.OAuthToken {
  const accessToken = `sk_test_${randomString(rt.random, 40)}`;
  const refresh = refreshToken ?? newId(rt.random, 'refreshToken');
  rt.accounts.tokens.set(accessToken, { account: account.id, platform, clientId, refreshToken: refresh, scope });
  rt.changed();
  return {
    access_token: accessToken,
    livemode: false,
    refresh_token: refresh,
    scope,
    stripe_publishable_key: `pk_test_${randomString(rt.random, 40)}`,
    stripe_user_id: account.id,
    token_type: 'bearer',
  };
}

const CODE_TTL_MS = 5 * 60 * 1000;

export const connectRoutes: Route[] = [
  route('GET', '/v1/account', {}, (req) => req.rt.accounts.ensure(req.account, req.ctx.now).account),
  route('GET', '/v1/accounts/:id', {}, (req) => {
    const id = req.path.id as string;
    const record = req.rt.accounts.get(id);
    if (!record || (id !== req.account && id !== req.caller.keyAccount && record.platform !== req.caller.keyAccount)) throw resourceMissing('account', id, 'account');
    return record.account;
  }),
  route('GET', '/v1/accounts', { ...LIST, created: ignored() }, (req) => {
    const connected = req.rt.accounts.connectedTo(req.caller.keyAccount).reverse();
    const limit = req.params.limit ?? 10;
    let start = 0;
    if (req.params.starting_after) start = connected.findIndex((r) => r.id === req.params.starting_after) + 1;
    const page = connected.slice(start, start + limit);
    return { object: 'list', data: page.map((r) => r.account), has_more: start + limit < connected.length, url: '/v1/accounts' };
  }),
  route('POST', '/v1/accounts', {
    type: oneOf(['custom', 'express', 'standard']),
    email: string(),
    country: string(),
    business_profile: object({ name: string(), url: string(), mcc: ignored(), product_description: ignored(), support_email: ignored() }),
    metadata: metadata(),
    capabilities: ignored(),
    business_type: ignored(),
    controller: ignored(),
    tos_acceptance: ignored(),
    settings: ignored(),
  }, (req) => {
    const p = req.params;
    const record = createConnectedAccount(req.rt, req.caller.keyAccount, { email: p.email ?? null, businessName: p.business_profile?.name ?? null, country: p.country ?? 'US', type: p.type ?? 'standard' });
    record.account.metadata = mergeMetadata({}, p.metadata);
    return record.account;
  }),

  route('POST', '/oauth/token', { grant_type: oneOf(['authorization_code', 'refresh_token']).req(), code: string(), refresh_token: string(), scope: string(), assert_capabilities: ignored(), client_secret: ignored() }, (req) => {
    const { rt, params: p } = req;
    const platform = req.caller.keyAccount;
    if (p.grant_type === 'refresh_token') {
      const found = [...rt.accounts.tokens.values()].find((t) => t.refreshToken === p.refresh_token && t.platform === platform);
      if (!found || !p.refresh_token) throw new OAuthError('invalid_grant', `Invalid refresh token: ${p.refresh_token ?? ''}`);
      const account = rt.accounts.get(found.account);
      if (!account || account.platform !== platform) throw new OAuthError('invalid_grant', 'This application is no longer connected to the account.');
      return issueToken(rt, account, platform, found.clientId, p.scope ?? found.scope, found.refreshToken);
    }
    if (!p.code) throw new OAuthError('invalid_request', 'No authorization code provided');
    const code = rt.accounts.codes.get(p.code);
    if (!code) throw new OAuthError('invalid_grant', `Authorization code does not exist: ${p.code}`);
    if (code.used) throw new OAuthError('invalid_grant', `Authorization code has already been used: ${p.code}`);
    if (Date.now() - code.createdMs > CODE_TTL_MS) throw new OAuthError('invalid_grant', `Authorization code expired: ${p.code}`);
    const owner = rt.accounts.clientIds.get(code.clientId);
    if (owner && owner !== platform) throw new OAuthError('invalid_client', `Authorization code provided does not belong to you`);
    if (!owner) rt.accounts.clientIds.set(code.clientId, platform);
    const account = rt.accounts.get(code.account);
    if (!account) throw new OAuthError('invalid_grant', `Authorization code does not exist: ${p.code}`);
    code.used = true;
    account.platform = platform;
    account.clientId = code.clientId;
    const token = issueToken(rt, account, platform, code.clientId, code.scope);
    const ctx = rt.ctx(account.id, { id: req.ctx.request.id, idempotency_key: null });
    ctx.emit('account.application.authorized', { id: code.clientId, object: 'application', name: rt.accounts.get(platform)?.account.business_profile?.name ?? null } satisfies Stripe.Application as unknown as Record<string, unknown>);
    ctx.commit();
    return token;
  }),
  route('POST', '/oauth/deauthorize', { client_id: string().req(), stripe_user_id: string().req() }, (req) => {
    const { rt, params: p } = req;
    const platform = req.caller.keyAccount;
    const owner = rt.accounts.clientIds.get(p.client_id);
    if (owner !== platform) throw new OAuthError('invalid_client', `No such application: '${p.client_id}'`);
    const account = rt.accounts.get(p.stripe_user_id);
    if (!account || account.platform !== platform) throw new OAuthError('invalid_client', `This application is not connected to stripe account ${p.stripe_user_id}, or that account does not exist.`);
    // Emit while still connected, so the platform's Connect endpoints get it with `account` set.
    const ctx = rt.ctx(account.id, { id: req.ctx.request.id, idempotency_key: null });
    ctx.emit('account.application.deauthorized', { id: p.client_id, object: 'application', name: rt.accounts.get(platform)?.account.business_profile?.name ?? null } satisfies Stripe.Application as unknown as Record<string, unknown>);
    ctx.commit();
    for (const [key, token] of rt.accounts.tokens) {
      if (token.account === account.id && token.platform === platform) {
        rt.accounts.tokens.delete(key);
        rt.accounts.revoked.add(key);
      }
    }
    account.platform = null;
    rt.changed();
    return { stripe_user_id: account.id } satisfies Stripe.OAuthDeauthorization;
  }),
];
