/**
 * Assembly of a running sandbox: the runtime, every resource's routes, the hosted
 * pages, persistence, the background tick that runs due work on the sandbox clock,
 * and the HTTP server. `index.ts` exposes it as `startSandbox`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { Accounts } from './core/accounts.ts';
import type { ResponseInfo } from './core/api.ts';
import type { FaultRule } from './core/faults.ts';
import { accountIdForKey } from './core/ids.ts';
import { Router, type Route } from './core/router.ts';
import { Runtime, type SandboxSettings } from './core/runtime.ts';
import { Store } from './core/store.ts';
import { Persistence } from './persistence.ts';
import { checkoutPages } from './pages/checkout-page.ts';
import type { PageRoute } from './pages/layout.ts';
import { miscPages } from './pages/misc-pages.ts';
import { oauthPages } from './pages/oauth-page.ts';
import { portalPages } from './pages/portal-page.ts';
import { runDue } from './resources/billing-cycle.ts';
import { catalogRoutes } from './resources/catalog.ts';
import { checkoutRoutes } from './resources/checkout-routes.ts';
import { expireDueSessions } from './resources/checkout.ts';
import { clockRoutes, pendingAdvances } from './resources/clocks.ts';
import { clientIdFor, connectRoutes, createConnectedAccount, type NewConnectedAccount } from './resources/connect.ts';
import { customerRoutes } from './resources/customers.ts';
import { disputeRoutes } from './resources/disputes.ts';
import { entitlementRoutes } from './resources/entitlements.ts';
import { invoiceRoutes } from './resources/invoice-routes.ts';
import { paymentRoutes } from './resources/payments.ts';
import { portalRoutes } from './resources/portal.ts';
import { refundRoutes } from './resources/refunds.ts';
import { subscriptionRoutes } from './resources/subscription-routes.ts';
import { webhookRoutes } from './resources/webhooks.ts';
import { createRequestHandler } from './server.ts';

export const API_ROUTES: Route[] = [
  ...customerRoutes,
  ...catalogRoutes,
  ...checkoutRoutes,
  ...subscriptionRoutes,
  ...invoiceRoutes,
  ...paymentRoutes,
  ...refundRoutes,
  ...disputeRoutes,
  ...portalRoutes,
  ...webhookRoutes,
  ...clockRoutes,
  ...connectRoutes,
  ...entitlementRoutes,
];

const PAGES: PageRoute[] = [...checkoutPages, ...portalPages, ...oauthPages, ...miscPages];

export interface SandboxOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Makes ids, fault decisions and shuffles reproducible. */
  seed?: string | number;
  /** Faults active from the start. */
  faults?: FaultRule[];
  /** Persist the whole state to this JSON file and reload it at start. */
  dataFile?: string;
  /** Waits between webhook delivery attempts, in ms (default [1000, 2000, 5000, 10000, 30000]). */
  webhookRetrySchedule?: number[];
  /** How long a webhook receiver may take to answer (default 10 s). */
  webhookTimeoutMs?: number;
  /** Days between retries of a failed renewal payment (default [3, 5, 7]). */
  renewalRetryDays?: number[];
  /** A subscription whose renewal retries all failed is canceled (default) or marked unpaid. */
  onRetriesExhausted?: 'cancel' | 'unpaid';
  /** The base time source in ms (default Date.now); the sandbox clock adds its offset to it. */
  now?: () => number;
  /** How often due work on the sandbox clock runs as real time passes, in ms (default 1000; 0 = never). */
  tickMs?: number;
  /** Debounce of state writes with `dataFile`, in ms (default 100). */
  persistDebounceMs?: number;
  /** Called with every API response (tests validate them against the OpenAPI spec). */
  onResponse?: (info: ResponseInfo) => void;
}

/** What the control endpoints and the public handle share. */
export interface SandboxInternals {
  rt: Runtime;
  advanceClock(by: { seconds: number } | { to: number }): number;
  createConnectedAccount(platform: string, opts?: NewConnectedAccount): Stripe.Account;
  configure(settings: Partial<SandboxSettings>): void;
  reset(): void;
}

export interface Started {
  internals: SandboxInternals;
  server: Server;
  url: string;
  port: number;
  host: string;
  persistence: Persistence | null;
  stop(): Promise<void>;
}

export async function launch(opts: SandboxOptions = {}): Promise<Started> {
  const rt = new Runtime({
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    settings: {
      ...(opts.webhookRetrySchedule ? { webhookRetrySchedule: opts.webhookRetrySchedule } : {}),
      ...(opts.webhookTimeoutMs !== undefined ? { webhookTimeoutMs: opts.webhookTimeoutMs } : {}),
      ...(opts.renewalRetryDays ? { renewalRetryDays: opts.renewalRetryDays } : {}),
      ...(opts.onRetriesExhausted ? { onRetriesExhausted: opts.onRetriesExhausted } : {}),
    },
  });
  rt.processDue = (account, clock, until) => {
    runDue(rt, account, clock, until);
    if (clock === null) expireDueSessions(rt);
  };
  const persistence = opts.dataFile ? new Persistence(opts.dataFile, rt, opts.persistDebounceMs ?? 100) : null;
  if (persistence) {
    persistence.load();
    rt.onChange = () => persistence.schedule();
  }

  const internals: SandboxInternals = {
    rt,
    advanceClock(by) {
      if ('seconds' in by) rt.clock.advanceBy(by.seconds);
      else rt.clock.advanceTo(by.to);
      rt.processDue(null, null, rt.clock.now());
      rt.changed();
      return rt.clock.now();
    },
    createConnectedAccount(platform, connectOpts = {}) {
      rt.accounts.ensure(platform, rt.clock.now());
      return createConnectedAccount(rt, platform, connectOpts, clientIdFor(rt, platform)).account;
    },
    configure(settings) {
      Object.assign(rt.settings, settings);
      if (settings.webhookRetrySchedule) rt.deliveries.setSchedule(settings.webhookRetrySchedule);
    },
    reset() {
      rt.store = new Store();
      rt.accounts = new Accounts();
      rt.idempotency.clear();
      rt.deliveries.clearLog();
      rt.changed();
    },
  };

  const router = new Router();
  router.add(API_ROUTES);
  const server = createServer(createRequestHandler(internals, router, PAGES, opts.onResponse));
  server.keepAliveTimeout = 5000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  rt.baseUrl = url;

  const tickMs = opts.tickMs ?? 1000;
  const tick = tickMs > 0 ? setInterval(() => rt.processDue(null, null, rt.clock.now()), tickMs) : null;
  tick?.unref();

  let stopped = false;
  return {
    internals,
    server,
    url,
    port,
    host,
    persistence,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (tick) clearInterval(tick);
      await Promise.allSettled([...pendingAdvances]);
      rt.deliveries.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await persistence?.flush();
    },
  };
}

export { accountIdForKey };
