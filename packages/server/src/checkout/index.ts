/**
 * Assembles checkout: customer tokens, the rate limiter, the Checkout and
 * portal service, and the handlers that link Stripe customers to app customers.
 */
import type { Config } from '../config/schema.ts';
import type { Db } from '../db/types.ts';
import type { CustomerService } from '../customers/service.ts';
import type { DomainEvents } from '../events/bus.ts';
import type { Metrics } from '../http/metrics.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import type { SettingsService } from '../settings/service.ts';
import { registerCustomerLinks } from './links.ts';
import { createCheckoutService } from './service.ts';
import { createCustomerTokens } from './tokens.ts';

export interface CheckoutModuleDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  config: Config;
  sessionSecret: string;
  events: DomainEvents;
  providers: ProviderService;
  customers: CustomerService;
  settings: SettingsService;
}

export function createCheckout(deps: CheckoutModuleDeps) {
  const { config } = deps;
  const tokens = createCustomerTokens({ sessionSecret: deps.sessionSecret, clock: deps.clock });
  const limiter = createRateLimiter({ redisUrl: config.redisUrl, prefix: config.redisKeyPrefix, clock: deps.clock, logger: deps.logger });
  registerCustomerLinks({ events: deps.events, customers: deps.customers });
  const service = createCheckoutService({
    ...deps,
    tokens,
    limiter,
    limits: { perCustomer: config.checkoutRateLimitPerCustomer, perIp: config.checkoutRateLimitPerIp, windowSeconds: config.checkoutRateLimitWindowSeconds },
  });
  return { ...service, tokens, limiter };
}

export type Checkout = ReturnType<typeof createCheckout>;
