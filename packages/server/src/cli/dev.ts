/**
 * `tollgate dev` (what `npm start` runs): the offline demo. Starts the Stripe
 * sandbox in this process (state kept in `<data dir>/stripe-sandbox.json`),
 * points the server's Stripe calls at it, runs the server with its workers,
 * and sets up (first start) or finds (later starts) the demo tenant, printing
 * the console login, the publishable key and a Checkout link.
 *
 * Sign-up defaults to `open` here (each new account gets a tenant of its own),
 * since the demo's admin is the first user; set TOLLGATE_SIGNUP to change it.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { startSandbox, type Sandbox } from '@tollgate/stripe-sandbox';
import { startServer, stopOnSignals } from '../app/server.ts';
import { describeDatabase } from '../db/open.ts';
import { demoRoutes } from '../demo/routes.ts';
import { ensureDemo, type DemoSummary } from '../demo/seed.ts';
import { demoStatePath } from '../demo/state.ts';
import { createLogger } from '../log/logger.ts';
import { configOrExit } from './options.ts';

export const DEMO_SANDBOX_PORT = 12111;

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Did the user give this setting (flag, env or a _FILE variant of either)? */
function given(options: Record<string, unknown>, flag: string, env: string): boolean {
  return options[camel(flag)] !== undefined || options[camel(`${flag}-file`)] !== undefined || !!process.env[env] || !!process.env[`${env}_FILE`];
}

/** `port` when it is free on 127.0.0.1, else any free port. */
function portOr(port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((done) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => (port === 0 ? done(0) : portOr(0, host).then(done)));
    probe.listen(port, host, () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : port));
    });
  });
}

function banner(summary: DemoSummary, consoleUrl: string, sandbox: string, statePath: string | null): string {
  const lines = [
    '',
    `Tollgate demo${summary.created ? ' (created just now)' : ''}: tenant "Demo app" (${summary.tenantId}), Stripe = the offline sandbox at ${sandbox}`,
    `  console:          ${consoleUrl}`,
    `  login:            ${summary.email} / ${summary.password ?? '(the password printed on the first start)'}`,
  ];
  if (summary.publishableKey) lines.push(`  publishable key:  ${summary.publishableKey}`);
  if (statePath) lines.push(`  secret key:       in ${resolve(statePath)} (with the login)`);
  if (summary.checkoutUrl) {
    lines.push(`  checkout link:    ${summary.checkoutUrl}`, '                    (customer "demo-user" buys pro.monthly; pick the 4242 test card and pay)');
  }
  if (summary.portalUrl) lines.push(`  portal link:      ${summary.portalUrl}`, '                    ("demo-user" already subscribes to Pro; manage or cancel it there)');
  if (summary.note) lines.push(`  note:             ${summary.note}`);
  lines.push(`  entitlements:     ${summary.successUrl}`);
  return `${lines.join('\n')}\n`;
}

export async function runDemo(options: Record<string, unknown>): Promise<void> {
  const initial = configOrExit(options);
  const overrides: Record<string, string> = {};
  if (!given(options, 'signup', 'TOLLGATE_SIGNUP')) overrides.signup = 'open';
  if (initial.port === 0) {
    // Pick the port now, so the public URL (webhook and redirect URLs) names it.
    const port = await portOr(0);
    overrides.port = String(port);
    if (!given(options, 'public-url', 'TOLLGATE_PUBLIC_URL')) overrides['public-url'] = `http://localhost:${port}`;
  }
  let sandbox: Sandbox | undefined;
  if (!initial.stripeApiBase) {
    const persist = initial.dataDir !== ':memory:';
    if (persist) mkdirSync(initial.dataDir, { recursive: true });
    sandbox = await startSandbox({
      port: await portOr(DEMO_SANDBOX_PORT),
      ...(persist ? { dataFile: resolve(initial.dataDir, 'stripe-sandbox.json') } : {}),
    });
    overrides['stripe-api-base'] = sandbox.url;
  }
  const config = configOrExit(options, overrides);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const server = await startServer(config, { logger, modules: [demoRoutes] });
  const stop = async () => {
    await server.stop();
    await sandbox?.stop();
  };
  stopOnSignals({ stop }, logger);

  let demo = '';
  try {
    const summary = await ensureDemo(server.app, server.services, { url: config.publicUrl, dataDir: config.dataDir });
    demo = banner(summary, `${config.publicUrl}/console/`, config.stripeApiBase ?? '', demoStatePath(config.dataDir));
  } catch (err) {
    logger.error({ err }, 'the demo setup failed; the server runs without it');
    demo = `\nThe demo setup failed (${err instanceof Error ? err.message : String(err)}); the server runs without it.\n`;
  }
  process.stdout.write(
    `${demo}\nTollgate is running at ${server.url}\n  health:   ${server.url}/health\n  API docs: ${server.url}/v1/openapi.json\n  database: ${describeDatabase(config)}\n\n`,
  );
}
