/**
 * The offline demo behind `npm start` (`tollgate dev`): on the first start it
 * creates a demo tenant with a platform admin login, connects it to the
 * in-process Stripe sandbox, allows the server's own origin for redirects and
 * seeds a small catalog through the public HTTP API with the tenant's secret
 * key. Every start then makes a Checkout link for the demo customer (or a
 * portal link once they subscribed). A restart finds the tenant again by its
 * `settings.demo` mark and never makes a second one.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { userRepository } from '../accounts/repository.ts';
import type { AppServices } from '../app/services.ts';
import { randomBase62 } from '../lib/crypto.ts';
import { hashPassword } from '../lib/password.ts';
import { tenantRepository } from '../tenants/repository.ts';
import { demoRepository } from './repository.ts';
import { readDemoState, writeDemoState, type DemoState } from './state.ts';

export const DEMO_ADMIN_EMAIL = 'admin@demo.test';
export const DEMO_CUSTOMER = 'demo-user';

export interface DemoSummary {
  created: boolean;
  tenantId: string;
  email: string;
  /** Null when the login was made by an earlier start whose demo.json is gone. */
  password: string | null;
  publishableKey: string | null;
  checkoutUrl: string | null;
  portalUrl: string | null;
  successUrl: string;
  note: string | null;
}

const CATALOG: Array<[string, Record<string, unknown>]> = [
  ['/v1/features', { key: 'export_pdf', name: 'Export to PDF', type: 'boolean' }],
  ['/v1/features', { key: 'projects', name: 'Projects', type: 'limit' }],
  ['/v1/features', { key: 'priority_support', name: 'Priority support', type: 'boolean' }],
  ['/v1/products', { key: 'free', name: 'Free', description: 'Up to 3 projects', features: [{ feature: 'projects', value: 3 }] }],
  [
    '/v1/products',
    {
      key: 'pro',
      name: 'Pro',
      description: 'Unlimited projects, PDF export and priority support',
      features: [{ feature: 'export_pdf' }, { feature: 'projects', value: null }, { feature: 'priority_support' }],
    },
  ],
  ['/v1/prices', { key: 'pro.monthly', product: 'pro', currency: 'usd', unit_amount: 1200, interval: 'month' }],
  ['/v1/prices', { key: 'pro.yearly', product: 'pro', currency: 'usd', unit_amount: 12000, interval: 'year' }],
];

const DEMO_PAYWALL = {
  headline: 'Go Pro',
  subheadline: 'Everything in Free, without limits',
  plan_order: ['free', 'pro'],
  highlighted_plan: 'pro',
  feature_bullets: { free: ['Up to 3 projects'], pro: ['Unlimited projects', 'Export to PDF', 'Priority support'] },
};

function expectOk(res: LightMyRequestResponse, what: string, also: number[] = []): LightMyRequestResponse {
  if (res.statusCode >= 300 && !also.includes(res.statusCode)) throw new Error(`demo setup: ${what} failed: ${res.statusCode} ${res.body}`);
  return res;
}

export async function ensureDemo(app: FastifyInstance, s: AppServices, options: { url: string; dataDir: string }): Promise<DemoSummary> {
  const { url, dataDir } = options;
  let state = readDemoState(dataDir);
  const existing = await s.inSystem((tx) => demoRepository.findDemoTenant(tx));
  let created = false;
  let password: string | null = null;

  if (!existing) {
    password = randomBase62(16);
    const passwordHash = await hashPassword(password);
    const provisioned = await s.inSystem(async (tx) => {
      const first = (await userRepository.count(tx)) === 0;
      let admin = await userRepository.findByEmail(tx, DEMO_ADMIN_EMAIL);
      if (admin) await userRepository.setPassword(tx, admin.id, passwordHash);
      else admin = await userRepository.insert(tx, { email: DEMO_ADMIN_EMAIL, passwordHash, isPlatformAdmin: first, at: s.clock.now() });
      const result = await s.tenants.provision(tx, { name: 'Demo app', slug: 'demo', ownerUserId: admin.id });
      await tenantRepository.updateSettings(tx, result.tenant.id, { demo: true });
      return result;
    });
    const key = (kind: 'publishable' | 'secret') => provisioned.keys.find((k) => k.key.mode === 'test' && k.key.kind === kind)!.token;
    state = {
      tenant_id: provisioned.tenant.id,
      admin_email: DEMO_ADMIN_EMAIL,
      admin_password: password,
      publishable_key: key('publishable'),
      secret_key: key('secret'),
      stripe_key: `sk_test_${randomBytes(12).toString('hex')}`,
      public_url: '',
    };
    writeDemoState(dataDir, state);
    created = true;
  } else if (!state || state.tenant_id !== existing.id) {
    // The tenant is here but demo.json is not (another data dir, or deleted): keep going with a new secret key.
    const secret = await s.inSystem((tx) => s.apiKeys.create(tx, existing.id, { mode: 'test', kind: 'secret', name: 'demo (restart)' }));
    state = {
      tenant_id: existing.id,
      admin_email: DEMO_ADMIN_EMAIL,
      admin_password: '',
      publishable_key: '',
      secret_key: secret.token,
      stripe_key: `sk_test_${randomBytes(12).toString('hex')}`,
      public_url: '',
    };
    writeDemoState(dataDir, state);
  } else {
    password = state.admin_password || null;
  }

  const demo: DemoState = state;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, payload?: Record<string, unknown>) =>
    app.inject({ method, url: path, headers: { authorization: `Bearer ${demo.secret_key}` }, ...(payload ? { payload } : {}) });

  const origins = (expectOk(await api('GET', '/v1/settings'), 'reading settings').json() as { allowed_origins: string[] }).allowed_origins;
  const origin = new URL(url).origin;
  if (!origins.includes(origin)) expectOk(await api('PATCH', '/v1/settings', { allowed_origins: [...origins, origin] }), 'allowing the server origin');

  const connection = expectOk(await api('GET', '/v1/providers/stripe/test'), 'reading the Stripe connection').json() as { status: string };
  if (connection.status !== 'connected' || demo.public_url !== url) {
    // (Re)connect: the sandbox's webhook endpoint must point at this server's current URL.
    expectOk(await api('PUT', '/v1/providers/stripe/test', { secret_key: demo.stripe_key, publishable_key: demo.stripe_key.replace(/^sk_/, 'pk_') }), 'connecting the Stripe sandbox');
    demo.public_url = url;
    writeDemoState(dataDir, demo);
  }

  // The catalog, through the public API (a key that exists already is fine: an earlier start made it).
  for (const [path, body] of CATALOG) expectOk(await api('POST', path, body), `creating ${body.key}`, [409]);
  await waitForPrice(api, s, 'pro.monthly');
  // A paywall for GET /v1/config to hand out, unless someone has designed one already.
  const paywall = expectOk(await api('GET', '/v1/paywall'), 'reading the paywall').json() as { headline: string; plan_order: string[] };
  if (!paywall.headline && !paywall.plan_order.length) expectOk(await api('PUT', '/v1/paywall', DEMO_PAYWALL), 'designing the paywall');

  const { token } = s.checkout.tokens.sign({ tenantId: demo.tenant_id, mode: 'test', externalId: DEMO_CUSTOMER, ttlSeconds: 24 * 3600 });
  const successUrl = `${url}/demo/success?token=${encodeURIComponent(token)}`;
  const summary: DemoSummary = {
    created,
    tenantId: demo.tenant_id,
    email: demo.admin_email,
    password,
    publishableKey: demo.publishable_key || null,
    checkoutUrl: null,
    portalUrl: null,
    successUrl,
    note: null,
  };
  const checkout = await api('POST', '/v1/checkout/sessions', {
    price: 'pro.monthly',
    customer: DEMO_CUSTOMER,
    customer_email: `${DEMO_CUSTOMER}@demo.test`,
    success_url: successUrl,
    cancel_url: `${successUrl}&canceled=1`,
  });
  const error = checkout.statusCode >= 300 ? (checkout.json() as { error: { code: string; message: string } }).error : null;
  if (!error) summary.checkoutUrl = (checkout.json() as { url: string }).url;
  else if (error.code === 'already_subscribed') {
    const portal = expectOk(await api('POST', '/v1/portal/sessions', { customer: DEMO_CUSTOMER, return_url: successUrl }), 'opening the portal');
    summary.portalUrl = (portal.json() as { url: string }).url;
  } else summary.note = `no checkout link this time: ${error.message}`;
  return summary;
}

/** Waits until the background catalog sync has pushed the price to the sandbox. */
async function waitForPrice(api: (method: 'GET', path: string) => Promise<LightMyRequestResponse>, s: AppServices, key: string): Promise<void> {
  const deadline = s.clock.now().getTime() + 30_000;
  for (;;) {
    const mapping = (await api('GET', '/v1/catalog/mapping')).json() as Record<string, string>;
    if (mapping[key]) return;
    if (s.clock.now().getTime() > deadline) throw new Error(`demo setup: the price ${key} did not reach the Stripe sandbox within 30 s (see GET /v1/catalog/sync)`);
    s.jobs.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
