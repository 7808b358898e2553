/**
 * The composition root: builds every service from the app's dependencies.
 * Routes and jobs receive this object; nothing reaches for globals.
 */
import { createAccountService } from '../accounts/service.ts';
import { createApiKeyService } from '../apikeys/service.ts';
import type { Config } from '../config/schema.ts';
import type { MigrationFile } from '../db/migrate.ts';
import type { ChangeFeed } from '../db/notify.ts';
import { withSystem, withTenant } from '../db/scope.ts';
import type { Db, Queryable } from '../db/types.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import { createTenantService } from '../tenants/service.ts';
import { createProviderService } from '../providers/service.ts';
import { JobRunner } from '../jobs/queue.ts';
import { createIdempotency } from '../idempotency/service.ts';
import { DomainEvents } from '../events/bus.ts';
import { createCatalog } from '../catalog/index.ts';
import { createCustomerService } from '../customers/service.ts';
import { createEntitlementService } from '../entitlements/service.ts';
import { createGrantService } from '../entitlements/grants.ts';
import { createAppConfigService } from '../appconfig/service.ts';
import { createBilling } from '../billing/index.ts';
import { createWebhooks } from '../webhooks/index.ts';
import { createOutbound } from '../outbound/index.ts';
import { createSettingsService } from '../settings/service.ts';
import { createCheckout } from '../checkout/index.ts';

/** Secrets the server needs at run time (from config, or generated for development). */
export interface RuntimeSecrets {
  encryptionKey: Buffer;
  sessionSecret: string;
  oauthStateSecret: string;
}

export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  secrets: RuntimeSecrets;
  metrics: Metrics;
  changes: ChangeFeed;
  migrations: MigrationFile[];
  version: string;
}

export function createServices(deps: AppDeps) {
  const { db, clock, config, secrets, changes, logger, metrics } = deps;
  const events = new DomainEvents(clock);
  const jobs = new JobRunner({ db, clock, logger, metrics, concurrency: config.workerConcurrency, pollMs: config.workerPollMs, leaseMs: config.jobLeaseMs });
  const providers = createProviderService({
    db,
    clock,
    logger,
    changes,
    encryptionKey: secrets.encryptionKey,
    publicUrl: config.publicUrl,
    stripeApiBase: config.stripeApiBase,
  });
  const catalog = createCatalog({ db, clock, logger, events, providers, jobs });
  const billing = createBilling({ events, clock });
  const webhooks = createWebhooks({ db, clock, logger, metrics, providers, jobs, projector: billing.projector, catalog, config });
  const customers = createCustomerService({ db, clock, providers });
  // Changing the grace period recomputes past-due customers (entitlements is defined below; called later).
  const settings = createSettingsService({ clock, onGraceChanged: (tx, tenantId) => entitlements.recomputePastDue(tx, tenantId) });
  // Before the entitlement engine: its checkout/customer handlers must see the links these make.
  const checkout = createCheckout({ db, clock, logger, metrics, config, sessionSecret: secrets.sessionSecret, events, providers, customers, settings });
  const entitlements = createEntitlementService({ db, clock, logger, events, jobs, customers, changes, cacheTtlMs: config.entitlementCacheMs });
  const appConfig = createAppConfigService({ clock, catalog, defaultTtlSeconds: config.configCacheTtlSeconds });
  const grants = createGrantService({ clock, catalog, customers, entitlements });
  const outbound = createOutbound({
    db,
    clock,
    logger,
    metrics,
    events,
    jobs,
    encryptionKey: secrets.encryptionKey,
    production: config.nodeEnv === 'production',
    maxAttempts: config.outboundWebhookMaxAttempts,
    timeoutMs: config.outboundWebhookTimeoutMs,
  });
  const apiKeys = createApiKeyService({ db, clock, changes });
  const idempotency = createIdempotency({ db, clock, jobs });
  const tenants = createTenantService({ clock, apiKeys });
  const accounts = createAccountService({
    db,
    clock,
    tenants,
    config: {
      signup: config.signup,
      adminEmails: config.adminEmails ?? [],
      adminEmailDomain: config.adminEmailDomain,
      sessionTtlHours: config.sessionTtlHours,
      sessionSecret: secrets.sessionSecret,
    },
  });
  return {
    ...deps,
    events,
    jobs,
    providers,
    catalog,
    customers,
    entitlements,
    grants,
    outbound,
    appConfig,
    billing,
    webhooks,
    settings,
    checkout,
    apiKeys,
    idempotency,
    tenants,
    accounts,
    /** Runs `fn` in a transaction scoped to one tenant (RLS enforced). */
    inTenant<T>(tenantId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return withTenant(db, tenantId, fn);
    },
    /** Runs `fn` in a platform-wide transaction (explicit cross-tenant work only). */
    inSystem<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return withSystem(db, fn);
    },
  };
}

export type AppServices = ReturnType<typeof createServices>;
