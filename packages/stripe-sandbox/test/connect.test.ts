// Connect: Stripe-Account scoping, connected accounts, Connect webhook endpoints, and
// the OAuth flow (authorize page → code → token → access token acting as the account
// → deauthorize with account.application.deauthorized delivered to the platform).
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { jsonOf, newKey, postForm, startReceiver, useSandbox } from './helpers.ts';

const t = useSandbox();

describe('connected accounts', () => {
  it('scopes every object to the account named by Stripe-Account, and tags its events', async () => {
    const platformKey = newKey();
    const platform = t.stripe(platformKey);
    const connected = t.sandbox.createConnectedAccount(platformKey, { email: 'shop@example.com', businessName: 'Shop' });
    expect(connected.id).toMatch(/^acct_/);
    const asShop = { stripeAccount: connected.id };
    const customer = await platform.customers.create({ email: 'c@example.com' }, asShop);
    await expect(platform.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await platform.customers.retrieve(customer.id, {}, asShop)).id).toBe(customer.id);
    const events = await platform.events.list({}, asShop);
    expect(events.data[0]).toMatchObject({ type: 'customer.created', account: connected.id });
    expect((await platform.events.list()).data).toHaveLength(0);
    expect(await platform.accounts.retrieve(connected.id)).toMatchObject({ id: connected.id, email: 'shop@example.com', charges_enabled: true });
    expect((await platform.accounts.retrieveCurrent({}, asShop)).id).toBe(connected.id);
    expect((await platform.accounts.list()).data.map((a) => a.id)).toEqual([connected.id]);

    const stranger = t.stripe();
    const denied = (await stranger.customers.list({}, asShop).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(denied).toBeInstanceOf(Stripe.errors.StripePermissionError);
    await expect(stranger.accounts.retrieve(connected.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('creates connected accounts through the API and the control endpoint', async () => {
    const platformKey = newKey();
    const platform = t.stripe(platformKey);
    const viaApi = await platform.accounts.create({ type: 'express', email: 'api@example.com', country: 'FR' });
    expect(viaApi).toMatchObject({ object: 'account', type: 'express', country: 'FR' });
    const res = await fetch(`${t.sandbox.url}/_sandbox/accounts`, { method: 'POST', body: JSON.stringify({ platform_key: platformKey, business_name: 'Control' }) });
    const viaControl = await jsonOf(res);
    expect(viaControl.id).toMatch(/^acct_/);
    expect((await platform.accounts.list()).data.map((a) => a.id)).toEqual([viaControl.id, viaApi.id]);
    expect((await fetch(`${t.sandbox.url}/_sandbox/accounts`, { method: 'POST', body: '{}' })).status).toBe(400);
  });

  it('delivers connected accounts\' events to the platform\'s Connect endpoints with `account`', async () => {
    const platformKey = newKey();
    const platform = t.stripe(platformKey);
    const receiver = await startReceiver();
    const ownReceiver = await startReceiver();
    try {
      const connectEndpoint = await platform.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'], connect: true });
      receiver.secret = connectEndpoint.secret as string;
      const own = await platform.webhookEndpoints.create({ url: ownReceiver.url, enabled_events: ['*'] });
      ownReceiver.secret = own.secret as string;
      const shop = t.sandbox.createConnectedAccount(platformKey);
      await platform.products.create({ name: 'Shop product' }, { stripeAccount: shop.id });
      await platform.products.create({ name: 'Platform product' });
      await t.sandbox.waitForDeliveries();
      expect(receiver.events().map((e) => [e.type, e.account])).toEqual([['product.created', shop.id]]);
      expect(ownReceiver.events().map((e) => [e.type, e.account])).toEqual([['product.created', undefined]]);
    } finally {
      await receiver.close();
      await ownReceiver.close();
    }
  });
});

describe('OAuth', () => {
  it('connects an account through the authorize page, acts as it with the token, and deauthorizes', async () => {
    const platformKey = newKey();
    const platform = t.stripe(platformKey);
    const clientId = t.sandbox.connectClientId(platformKey);
    expect(clientId).toMatch(/^ca_/);
    const receiver = await startReceiver();
    try {
      const endpoint = await platform.webhookEndpoints.create({ url: receiver.url, enabled_events: ['account.application.deauthorized'], connect: true });
      receiver.secret = endpoint.secret as string;
      const authorize = `${t.sandbox.url}/oauth/authorize?response_type=code&client_id=${clientId}&scope=read_write&state=csrf123&redirect_uri=${encodeURIComponent('https://tollgate.example/connect/callback')}`;
      const page = await fetch(authorize);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(clientId);
      const approved = await postForm(authorize, { decision: 'approve', business_name: 'Connected shop', email: 'owner@shop.example' });
      expect(approved.status).toBe(302);
      const back = new URL(approved.headers.get('location') as string);
      expect(back.origin + back.pathname).toBe('https://tollgate.example/connect/callback');
      expect(back.searchParams.get('state')).toBe('csrf123');
      expect(back.searchParams.get('scope')).toBe('read_write');
      const code = back.searchParams.get('code') as string;
      expect(code).toMatch(/^ac_/);

      const token = await platform.oauth.token({ grant_type: 'authorization_code', code });
      expect(token).toMatchObject({ livemode: false, scope: 'read_write', token_type: 'bearer' });
      expect(token.access_token).toMatch(/^sk_test_/);
      expect(token.refresh_token).toMatch(/^rt_/);
      const accountId = token.stripe_user_id as string;
      await expect(platform.oauth.token({ grant_type: 'authorization_code', code })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
      await expect(t.stripe().oauth.token({ grant_type: 'authorization_code', code: 'ac_unknown' })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);

      const asAccount = t.stripe(token.access_token as string);
      expect((await asAccount.accounts.retrieveCurrent()).id).toBe(accountId);
      expect((await asAccount.accounts.retrieveCurrent()).business_profile?.name).toBe('Connected shop');
      const made = await asAccount.customers.create({ email: 'buyer@shop.example' });
      expect((await platform.customers.retrieve(made.id, {}, { stripeAccount: accountId })).id).toBe(made.id);
      const refreshed = await platform.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token as string });
      expect(refreshed.stripe_user_id).toBe(accountId);

      const result = await platform.oauth.deauthorize({ client_id: clientId, stripe_user_id: accountId });
      expect(result).toEqual(expect.objectContaining({ stripe_user_id: accountId }));
      await t.sandbox.waitForDeliveries();
      const deauthorized = receiver.events('account.application.deauthorized');
      expect(deauthorized).toHaveLength(1);
      expect(deauthorized[0]).toMatchObject({ account: accountId, data: { object: { id: clientId, object: 'application' } } });
      await expect(asAccount.customers.list()).rejects.toMatchObject({ statusCode: 401, code: 'api_key_expired' });
      await expect(platform.customers.list({}, { stripeAccount: accountId })).rejects.toMatchObject({ statusCode: 403 });
      await expect(platform.oauth.deauthorize({ client_id: clientId, stripe_user_id: accountId })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidClientError);
    } finally {
      await receiver.close();
    }
  });

  it('redirects a denial with access_denied and rejects a bad request', async () => {
    const clientId = t.sandbox.connectClientId(newKey());
    const authorize = `${t.sandbox.url}/oauth/authorize?client_id=${clientId}&state=s1&redirect_uri=${encodeURIComponent('https://tollgate.example/cb')}`;
    const denied = await postForm(authorize, { decision: 'deny' });
    const back = new URL(denied.headers.get('location') as string);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('s1');
    expect((await fetch(`${t.sandbox.url}/oauth/authorize?client_id=nope`)).status).toBe(400);
  });

  it('refuses a code issued for another platform\'s client id', async () => {
    const ownerKey = newKey();
    const clientId = t.sandbox.connectClientId(ownerKey);
    const authorize = `${t.sandbox.url}/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent('https://tollgate.example/cb')}`;
    const code = new URL((await postForm(authorize, { decision: 'approve' })).headers.get('location') as string).searchParams.get('code') as string;
    await expect(t.stripe().oauth.token({ grant_type: 'authorization_code', code })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidClientError);
    expect((await t.stripe(ownerKey).oauth.token({ grant_type: 'authorization_code', code })).stripe_user_id).toMatch(/^acct_/);
  });
});
