/**
 * The operator console in a real browser: sign in, connect Stripe, add to the
 * catalog, watch it sync, and find the webhook events page.
 */
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../../test/app.ts';
import { launchBrowser } from '../../test/browser.ts';
import { createStripeTestEnv, newStripeKey, type StripeTestEnv } from '../../test/stripe.ts';
import { signatureHeaders, startReceiver } from '../outbound/test-helpers.ts';

describe('the console', () => {
  let env: StripeTestEnv;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    env = await createStripeTestEnv();
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('is served with a strict content security policy', async () => {
    const res = await env.t.app.inject({ method: 'GET', url: '/console/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect((await env.t.app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/console/');
    expect((await env.t.app.inject({ method: 'GET', url: '/console/assets/evil.js' })).statusCode).toBe(400);
  });

  it('a wrong password shows the error; the right one signs in', async () => {
    await page.goto(`${env.url}/`);
    await page.getByLabel('Email').fill(env.ownerEmail);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('invalid_credentials');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('heading', { name: /Stripe, test mode/ }).waitFor();
    await page.screenshot({ path: '/tmp/tollgate-console-overview.png', fullPage: true });
  });

  it('connects Stripe from the overview, refusing a live key in test mode first', async () => {
    const card = page.locator('section.card', { hasText: 'Stripe, test mode' });
    await card.getByLabel('Stripe secret or restricted key').fill(newStripeKey('sk_live'));
    await card.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('stripe_key_mode_mismatch');
    await card.getByLabel('Stripe secret or restricted key').fill(newStripeKey());
    await card.getByRole('button', { name: 'Connect' }).click();
    await card.locator('.badge', { hasText: /^Connected$/ }).waitFor();
    expect(await card.textContent()).toContain(`${env.url}/webhooks/stripe/`);
  });

  it('adds a product and price, and shows them synced with links into the Stripe Dashboard', async () => {
    await page.getByRole('link', { name: 'Catalog & sync' }).click();
    await page.getByRole('heading', { name: 'Catalog & sync' }).waitFor();
    const form = page.locator('section.card', { hasText: 'Add to the catalog' });
    await form.getByLabel('Key', { exact: true }).fill('pro');
    await form.getByLabel('Name', { exact: true }).fill('Pro');
    await form.getByRole('button', { name: 'Add product' }).click();
    await page.locator('tr[data-key="pro"]').waitFor();
    await form.getByLabel('What').selectOption('price');
    await form.getByLabel('Key', { exact: true }).fill('pro.monthly');
    await form.getByLabel('Product key').fill('pro');
    await form.getByLabel('Amount (minor units)').fill('1500');
    await form.getByRole('button', { name: 'Add price' }).click();
    await page.locator('tr[data-key="pro.monthly"]').locator('.badge', { hasText: /^Pending$/ }).waitFor();

    await env.t.services.jobs.drain();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = page.locator('tr[data-key="pro"]');
    await row.locator('.badge', { hasText: /^Synced$/ }).waitFor();
    expect(await row.getByRole('link').getAttribute('href')).toMatch(/^https:\/\/dashboard\.stripe\.com\/test\/products\/prod_/);
    await page.getByText('"pro.monthly": "price_').waitFor();
    await page.screenshot({ path: '/tmp/tollgate-console-catalog.png', fullPage: true });
  });

  it('opens the webhook events page', async () => {
    await page.getByRole('link', { name: 'Webhook events' }).click();
    await page.getByRole('heading', { name: 'Stripe events' }).waitFor();
    expect(await page.getByRole('button', { name: 'Replay all failed' }).count()).toBe(1);
    await page.screenshot({ path: '/tmp/tollgate-console-webhooks.png', fullPage: true });
  });

  it('grants a customer a product from the customers page, and revokes it', async () => {
    await env.api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await env.api('PATCH', '/v1/products/pro', { features: [{ feature: 'export_pdf' }] });
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Your app’s user id').fill('user_42');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByText('No entitlements').waitFor();
    await page.getByLabel('Product key').fill('pro');
    await page.getByLabel('Reason').fill('support comp');
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke' }).waitFor();
    await page.locator('td', { hasText: 'export_pdf' }).waitFor();
    expect((await env.api('GET', '/v1/entitlements/check?customer=user_42&feature=export_pdf')).json()).toMatchObject({ allowed: true, source: 'grant' });
    expect((await env.api('GET', '/v1/grants?customer=user_42')).json().data[0]).toMatchObject({ product: 'pro', reason: 'support comp', granted_by: expect.stringMatching(/^user:/) });
    await page.screenshot({ path: '/tmp/tollgate-console-customers.png', fullPage: true });
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No entitlements').waitFor();
    expect((await env.api('GET', '/v1/entitlements/check?customer=user_42&feature=export_pdf')).json().allowed).toBe(false);
    expect((await env.api('GET', '/v1/grants?customer=user_42')).json().data).toEqual([]);
  });

  it('on the developers page: saves the app settings and the paywall, adds a backend endpoint (its secret shown once), and shows each delivery with its attempts', async () => {
    const receiver = await startReceiver();
    try {
      await page.getByRole('link', { name: 'Developers' }).click();
      await page.getByLabel('Allowed origins (one per line)').fill('https://app.example.test\nhttps://www.example.test');
      await page.getByLabel('Grace period (days)').fill('5');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.').waitFor();
      expect((await env.api('GET', '/v1/settings')).json()).toMatchObject({ allowed_origins: ['https://app.example.test', 'https://www.example.test'], grace_days: 5 });

      await page.getByLabel('Plan order (product keys)').fill('pro, nope');
      await page.getByRole('button', { name: 'Save paywall' }).click();
      await expect.poll(() => page.locator('section.card', { hasText: 'Paywall' }).getByRole('alert').textContent()).toContain('nope');
      await page.getByLabel('Headline', { exact: true }).fill('Go Pro');
      await page.getByLabel('Plan order (product keys)').fill('pro');
      await page.getByLabel('Highlighted plan').fill('pro');
      await page.getByLabel('Bullets (plan: text, one per line)').fill('pro: Export to PDF\npro: Priority support');
      await page.getByRole('button', { name: 'Save paywall' }).click();
      await page.getByText('Paywall saved.').waitFor();
      expect((await env.api('GET', '/v1/paywall')).json()).toMatchObject({
        headline: 'Go Pro',
        plan_order: ['pro'],
        highlighted_plan: 'pro',
        feature_bullets: { pro: ['Export to PDF', 'Priority support'] },
      });

      await page.getByLabel('Endpoint URL').fill(receiver.url);
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = (await page.getByRole('status').locator('code').textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await page.locator(`tr[data-endpoint="${receiver.url}"]`).locator('.badge', { hasText: /^Enabled$/ }).waitFor();

      // A grant changes entitlements: the backend hears entitlements.updated; its first answer is a 500.
      receiver.respondWith(500);
      await env.api('POST', '/v1/grants', { customer: 'user_7', product: 'pro', reason: 'partner' });
      await env.t.services.jobs.drain();
      await page.getByRole('button', { name: 'Refresh' }).last().click();
      const row = page.locator('tr[data-delivery]', { hasText: 'entitlements.updated' });
      await row.locator('.badge', { hasText: /^Pending$/ }).waitFor();
      expect(await row.locator('td').nth(5).textContent()).toContain('500');

      await row.getByRole('button', { name: 'Resend' }).click();
      await page.getByText(/^Resending msg_/).waitFor(); // the resend is queued
      await env.t.services.jobs.drain();
      await page.getByRole('button', { name: 'Refresh' }).last().click();
      await row.locator('.badge', { hasText: /^Succeeded$/ }).waitFor();
      await row.locator('a.mono').click();
      const log = page.locator('section.card').filter({ has: page.getByRole('heading', { name: /^Delivery / }) });
      await log.locator('td', { hasText: 'resend' }).waitFor();
      expect(await log.locator('tr', { hasText: 'automatic' }).textContent()).toContain('500');
      const delivered = receiver.received.at(-1)!;
      expect(() => new Webhook(secret).verify(delivered.body, signatureHeaders(delivered))).not.toThrow();
      await page.screenshot({ path: '/tmp/tollgate-console-developers.png', fullPage: true });
    } finally {
      await receiver.close();
    }
  });
});
