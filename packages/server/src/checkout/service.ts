/**
 * Checkout and the customer portal: the rules around starting a Stripe
 * Checkout Session for a catalog price and opening the Customer Portal.
 *
 * Who may act for whom: a secret key acts for any customer of its tenant and
 * mode; a publishable key only for the customer named by a valid customer
 * token (`Tollgate-Customer-Token`). Every redirect URL must fall under the
 * tenant's allowed origins. Database work happens in short transactions and
 * every Stripe call outside of them.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { CustomerService } from '../customers/service.ts';
import type { CustomerRow } from '../customers/repository.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { Metrics } from '../http/metrics.ts';
import type { RateLimiter } from '../http/rate-limit.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import { createCheckoutSession, findSubscriptionTo, settleOpenCheckouts, type CreatedCheckoutSession } from '../providers/stripe/checkout.ts';
import { stripeAppError } from '../providers/stripe/errors.ts';
import { createPortalSession, ensurePortalConfiguration } from '../providers/stripe/portal.ts';
import { checkRedirectUrl, type SettingsService } from '../settings/service.ts';
import { checkoutErrors } from './errors.ts';
import { checkoutRepository, HOLDING_STATUSES } from './repository.ts';
import type { CustomerTokens } from './tokens.ts';

export const CUSTOMER_TOKEN_HEADER = 'tollgate-customer-token';

export interface CheckoutLimits {
  perCustomer: number;
  perIp: number;
  windowSeconds: number;
}

export interface CheckoutDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  providers: ProviderService;
  customers: CustomerService;
  settings: SettingsService;
  tokens: CustomerTokens;
  limiter: RateLimiter;
  limits: CheckoutLimits;
}

/** What the HTTP layer knows about the caller beyond its scope. */
export interface CallerInfo {
  ip: string;
  /** The Tollgate-Customer-Token header, if sent. */
  customerToken?: string;
}

export interface CheckoutInput {
  price: string;
  customer?: string;
  customer_email?: string;
  success_url: string;
  cancel_url: string;
  quantity: number;
  trial_days?: number;
}

/** An open Checkout is handed out again only with this much time left to pay (Stripe's last 24 h by default). */
const REUSE_MIN_REMAINING_SECONDS = 30 * 60;

export function createCheckoutService(deps: CheckoutDeps) {
  const { db, clock, logger, metrics, providers, customers, settings, tokens, limiter, limits } = deps;
  const portalConfigs = new Map<string, Promise<string>>();

  /**
   * The customer the caller may act for. A publishable key needs a token of
   * this tenant and mode; a `customer` in the body must then match it.
   */
  function actingCustomer(scope: TenantScope, caller: CallerInfo, named: string | undefined): string | undefined {
    if (scope.actor.type !== 'api_key' || scope.actor.kind !== 'publishable') return named;
    if (!caller.customerToken) throw checkoutErrors.customer_token_required();
    const claims = tokens.verify(caller.customerToken);
    if (claims.tenantId !== scope.tenantId || claims.mode !== scope.mode) throw checkoutErrors.customer_token_invalid();
    if (named !== undefined && named !== claims.externalId) throw checkoutErrors.customer_token_mismatch();
    return claims.externalId;
  }

  function rateLimited(kind: 'customer' | 'ip', retryAfter: number, scope: TenantScope, who: string, ip: string): AppError {
    metrics.counter('tollgate_checkout_rate_limited_total', 'Checkout sessions refused by a rate limit, by limit.', ['limit']).inc({ limit: kind });
    logger.warn({ tenantId: scope.tenantId, mode: scope.mode, customer: who, ip, limit: kind }, `checkout rate limit exceeded (per ${kind}) for tenant ${scope.tenantId}, customer ${who}, ip ${ip}`);
    return new AppError(
      'rate_limited',
      429,
      `Too many checkout attempts ${kind === 'ip' ? 'from this address' : 'for this customer'}: try again in ${retryAfter} s.`,
      { limit: kind, retry_after_seconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }

  async function enforceLimits(scope: TenantScope, who: string, ip: string, browser: boolean): Promise<void> {
    const base = `checkout:${scope.tenantId}:${scope.mode}`;
    if (browser) {
      const byIp = await limiter.hit(`${base}:ip:${ip}`, limits.perIp, limits.windowSeconds);
      if (!byIp.allowed) throw rateLimited('ip', byIp.retryAfterSeconds, scope, who, ip);
    }
    const byCustomer = await limiter.hit(`${base}:customer:${who}`, limits.perCustomer, limits.windowSeconds);
    if (!byCustomer.allowed) throw rateLimited('customer', byCustomer.retryAfterSeconds, scope, who, ip);
  }

  async function stripeClient(tenantId: string, mode: Mode) {
    const client = await providers.stripeFor(tenantId, mode);
    if (!client) throw providers.notConnected(mode);
    return client.stripe;
  }

  function alreadySubscribed(externalId: string, productKey: string, subscription: string, status: string) {
    return checkoutErrors.already_subscribed(
      `Customer "${externalId}" already has ${status === 'active' ? 'an active' : `a ${status}`} subscription to "${productKey}": send them to the portal (POST /v1/portal/sessions) to change or cancel it.`,
      { subscription, status, product: productKey, ...portalHint(externalId) },
    );
  }

  function portalHint(externalId: string) {
    return { portal: { method: 'POST', path: '/v1/portal/sessions', body: { customer: externalId, return_url: '<a URL under your allowed origins>' } } };
  }

  return {
    /** Mints a customer token (secret key only; the route enforces it). */
    mintToken(scope: TenantScope, externalId: string, ttlSeconds?: number) {
      const { token, expiresAt } = tokens.sign({ tenantId: scope.tenantId, mode: scope.mode, externalId, ttlSeconds });
      return { token, expires_at: expiresAt.toISOString(), customer: externalId, mode: scope.mode };
    },

    async createCheckout(scope: TenantScope, caller: CallerInfo, input: CheckoutInput) {
      const { tenantId, mode } = scope;
      const browser = scope.actor.type === 'api_key' && scope.actor.kind === 'publishable';
      const externalId = actingCustomer(scope, caller, input.customer);
      const email = input.customer_email?.toLowerCase();
      if (!externalId && !email) throw checkoutErrors.customer_required();
      if (browser && input.trial_days !== undefined) throw checkoutErrors.trial_days_needs_secret_key();

      const prepared = await withTenant(db, tenantId, async (tx) => {
        const price = await checkoutRepository.sellablePrice(tx, tenantId, mode, input.price);
        if (!price) throw checkoutErrors.price_not_found(`No price "${input.price}": create it with POST /v1/prices.`);
        if (!price.active || !price.product_active) throw checkoutErrors.price_archived(`The price "${price.key}" (or its product "${price.product_key}") is archived.`);
        const origins = await settings.allowedOrigins(tx, tenantId);
        checkRedirectUrl(origins, input.success_url, 'success_url');
        checkRedirectUrl(origins, input.cancel_url, 'cancel_url');
        if (!(await providers.isConnected(tx, tenantId, mode))) throw providers.notConnected(mode);
        if (!price.stripe_price_id) {
          throw checkoutErrors.price_not_synced(`The price "${price.key}" is not in Stripe's ${mode} mode yet; GET /v1/catalog/sync shows its status (it syncs in the background).`, {
            price: price.key,
            mode,
          });
        }
        let customer: CustomerRow | undefined;
        let stripePrices: string[] = [];
        if (externalId) {
          customer = await customers.find(tx, tenantId, mode, externalId);
          customer ??= (await customers.upsert(tx, tenantId, mode, externalId, email ? { email } : {})).row;
          if (price.interval && customer.stripe_customer_id) {
            const held = await checkoutRepository.heldSubscription(tx, tenantId, mode, customer.stripe_customer_id, price.product_id);
            if (held) throw alreadySubscribed(externalId, price.product_key, held.stripe_id, held.status);
            stripePrices = await checkoutRepository.productStripePrices(tx, tenantId, mode, price.product_id);
          }
        }
        return { price, customer, stripePrices };
      });

      const { price, customer, stripePrices } = prepared;
      // Counted once the request is valid, just before Stripe is asked for anything.
      await enforceLimits(scope, externalId ?? `email:${email}`, caller.ip, browser);
      const stripeCustomerId = customer ? await customers.ensureStripeCustomer(tenantId, mode, customer) : null;
      const stripe = await stripeClient(tenantId, mode);
      const trialDays = price.interval ? (input.trial_days ?? price.trial_days) : null;
      // The same request again (a double click, a retry) gets the same open session back.
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([price.key, input.quantity, trialDays, input.success_url, input.cancel_url]))
        .digest('hex')
        .slice(0, 24);
      const metadata: Record<string, string> = { tollgate_price_key: price.key, tollgate_product_key: price.product_key, tollgate_fingerprint: fingerprint };
      if (customer) Object.assign(metadata, { tollgate_customer_id: customer.id, tollgate_external_id: customer.external_id });
      let session: CreatedCheckoutSession | null = null;
      const nowSeconds = Math.floor(clock.now().getTime() / 1000);
      if (price.interval && stripeCustomerId) {
        try {
          // The ledger may not know yet of a Checkout paid a moment ago; Stripe does.
          const held = stripePrices.length ? await findSubscriptionTo(stripe, stripeCustomerId, new Set(stripePrices), HOLDING_STATUSES) : null;
          if (held) throw alreadySubscribed(externalId!, price.product_key, held.id, held.status);
          // At most one payable Checkout per product: two tabs cannot make two subscriptions.
          const open = await settleOpenCheckouts(stripe, {
            stripeCustomerId,
            productKey: price.product_key,
            fingerprint,
            nowSeconds,
            minRemainingSeconds: REUSE_MIN_REMAINING_SECONDS,
          });
          if (open.completed) {
            throw checkoutErrors.already_subscribed(
              `Customer "${externalId}" has just paid for "${price.product_key}" (Checkout ${open.completed}): send them to the portal (POST /v1/portal/sessions) to change or cancel it.`,
              { checkout_session: open.completed, product: price.product_key, ...portalHint(externalId!) },
            );
          }
          session = open.reusable;
        } catch (err) {
          throw err instanceof AppError ? err : stripeAppError(err, 'checking the customer’s subscriptions in Stripe');
        }
      }
      try {
        session ??= await createCheckoutSession(stripe, {
          stripePriceId: price.stripe_price_id!,
          recurring: price.interval !== null,
          quantity: input.quantity,
          stripeCustomerId,
          customerEmail: stripeCustomerId ? null : (email ?? null),
          trialDays,
          successUrl: input.success_url,
          cancelUrl: input.cancel_url,
          metadata,
          clientReferenceId: customer?.id ?? null,
          // Copies of this request in flight at once (a double click) make one session.
          ...(customer && stripeCustomerId
            ? { idempotencyKey: `tollgate:checkout:${tenantId}:${mode}:${customer.id}:${fingerprint}:${Math.floor(nowSeconds / 600)}` }
            : {}),
        });
      } catch (err) {
        throw stripeAppError(err, 'creating the Checkout Session');
      }
      return {
        id: session.id,
        url: session.url,
        expires_at: new Date(session.expiresAt * 1000).toISOString(),
        customer: customer?.external_id ?? null,
        price: price.key,
        mode,
      };
    },

    async createPortal(scope: TenantScope, caller: CallerInfo, input: { customer?: string; return_url: string }) {
      const { tenantId, mode } = scope;
      const externalId = actingCustomer(scope, caller, input.customer);
      if (!externalId) throw checkoutErrors.customer_required('Name the customer: send "customer" (your user id).');
      const stripeCustomerId = await withTenant(db, tenantId, async (tx) => {
        const customer = await customers.get(tx, tenantId, mode, externalId);
        checkRedirectUrl(await settings.allowedOrigins(tx, tenantId), input.return_url, 'return_url');
        if (!(await providers.isConnected(tx, tenantId, mode))) throw providers.notConnected(mode);
        if (!customer.stripe_customer_id) {
          throw checkoutErrors.no_stripe_customer(`Customer "${externalId}" has no Stripe customer in ${mode} mode yet: start a Checkout (POST /v1/checkout/sessions) first.`);
        }
        return customer.stripe_customer_id;
      });
      const stripe = await stripeClient(tenantId, mode);
      const cacheKey = `${tenantId}:${mode}`;
      try {
        let config = portalConfigs.get(cacheKey);
        if (!config) {
          config = ensurePortalConfiguration(stripe);
          portalConfigs.set(cacheKey, config);
          config.catch(() => portalConfigs.delete(cacheKey));
        }
        return { url: (await createPortalSession(stripe, { stripeCustomerId, returnUrl: input.return_url, configuration: await config })).url, customer: externalId, mode };
      } catch (err) {
        // A configuration deleted or deactivated in Stripe is found or made again next time.
        portalConfigs.delete(cacheKey);
        throw stripeAppError(err, 'opening the customer portal');
      }
    },
  };
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;
