// Persistence with `dataFile`: the state survives a restart (objects, events, the
// sandbox clock, webhook secrets, OAuth tokens), written atomically and debounced.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAY, monthlyPrice, newKey, postForm, startReceiver, startValidated, waitFor } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'stripe-sandbox-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dataFile', () => {
  it('keeps the whole state across a restart', async () => {
    const file = join(dir, 'state.json');
    const key = newKey();
    const first = await startValidated({ dataFile: file, persistDebounceMs: 20 });
    const stripe = first.stripe(key);
    const customer = await stripe.customers.create({ email: 'kept@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await monthlyPrice(stripe, 1000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const receiver = await startReceiver();
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.updated'] });
    receiver.secret = endpoint.secret as string;
    const clientId = first.sandbox.connectClientId(key);
    const authorize = `${first.sandbox.url}/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent('https://x.example/cb')}`;
    const code = new URL((await postForm(authorize, { decision: 'approve' })).headers.get('location') as string).searchParams.get('code') as string;
    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
    const advancedTo = first.sandbox.clock.advance(40 * DAY);
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://app.example/ok' });
    await waitFor(() => existsSync(file), 2000, 'state file');
    first.recorder.assertValid();
    await first.sandbox.stop();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'tollgate-stripe-sandbox', version: 1 });

    const second = await startValidated({ dataFile: file });
    try {
      const again = second.stripe(key);
      expect(await again.customers.retrieve(customer.id)).toMatchObject({ email: 'kept@example.com' });
      const renewed = await again.subscriptions.retrieve(sub.id);
      expect(renewed.status).toBe('active');
      expect((await again.invoices.list({ subscription: sub.id })).data.map((i) => i.billing_reason)).toEqual(['subscription_cycle', 'subscription_create']);
      expect((await again.prices.list({ product: price.product as string })).data.map((p) => p.id)).toEqual([price.id]);
      expect((await again.events.list({ limit: 100 })).data.length).toBeGreaterThan(10);
      expect(second.sandbox.clock.now()).toBeGreaterThanOrEqual(advancedTo);
      const asConnected = second.stripe(token.access_token as string);
      expect((await asConnected.accounts.retrieveCurrent()).id).toBe(token.stripe_user_id);
      const reopened = await again.checkout.sessions.retrieve(session.id);
      expect(reopened.url).toBe(`${second.sandbox.url}/checkout/${session.id}`);
      expect((await fetch(reopened.url as string)).status).toBe(200);
      const newOne = await again.customers.create({ email: 'new@example.com' });
      expect(newOne.created).toBeGreaterThanOrEqual(advancedTo);
      await again.customers.update(customer.id, { name: 'After restart' });
      await second.sandbox.waitForDeliveries();
      expect(receiver.rejected).toEqual([]);
      expect(receiver.events('customer.updated')).toHaveLength(1);
      second.recorder.assertValid();
    } finally {
      await second.sandbox.stop();
      await receiver.close();
    }
  });

  it('writes changes after a quiet period without waiting for stop', async () => {
    const file = join(dir, 'debounced.json');
    const s = await startValidated({ dataFile: file, persistDebounceMs: 30 });
    try {
      const product = await s.stripe().products.create({ name: 'Debounced' });
      await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes(product.id), 3000, 'debounced write');
      s.recorder.assertValid();
    } finally {
      await s.sandbox.stop();
    }
  });

  it('refuses a file that is not sandbox state', async () => {
    const file = join(dir, 'other.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    await expect(startValidated({ dataFile: file })).rejects.toThrow(/not a Stripe sandbox state file/);
  });
});
