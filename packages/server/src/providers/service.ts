/**
 * Connecting a tenant's Stripe account per mode. The key is checked against
 * Stripe, sealed with AES-256-GCM (bound to tenant and mode) and never shown
 * again; Tollgate registers its own webhook endpoint in that account, or takes
 * a pasted `whsec_…`. Other domains get a ready Stripe client with `stripeFor`
 * and the intake gets endpoint secrets with `endpoint`; both are cached and
 * invalidated in every process when a connection changes.
 *
 * `connect` and `disconnect` talk to Stripe between short transactions of
 * their own: a network call never holds a database transaction open.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withSystem, withTenant } from '../db/scope.ts';
import { notifyChange, type ChangeFeed } from '../db/notify.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { open, seal } from '../lib/crypto.ts';
import type { Logger } from '../log/logger.ts';
import { auditRepository, tenantRepository } from '../tenants/repository.ts';
import { providerErrors } from './errors.ts';
import { connectionRepository, endpointRepository, type ConnectionRow, type EndpointRow } from './repository.ts';
import { deleteWebhookEndpoint, ensureWebhookEndpoint, verifyStripeKey } from './stripe/account.ts';
import { createStripeClient, type StripeClient as Stripe } from './stripe/client.ts';
import { stripeAppError } from './stripe/errors.ts';
import { TOLLGATE_STRIPE_EVENTS } from './stripe/events.ts';

const CONNECTION_TOPIC = 'provider';
const ENDPOINT_TOPIC = 'stripe_endpoint';

export interface ProviderServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  encryptionKey: Buffer;
  publicUrl: string;
  stripeApiBase?: string;
  changes?: ChangeFeed;
}

export interface ConnectionView {
  provider: 'stripe';
  mode: Mode;
  status: 'connected' | 'error' | 'not_connected';
  status_detail?: string | null;
  method?: 'api_key' | 'oauth';
  key_kind?: 'secret' | 'restricted' | 'oauth';
  key_last4?: string;
  account_id?: string | null;
  account_name?: string | null;
  connected_at?: string;
  publishable_key?: string | null;
  webhook?: { endpoint_id: string; url: string; source: 'registered' | 'manual'; stripe_endpoint_id: string | null; enabled_events: number } | null;
}

export interface ResolvedEndpoint {
  tenantId: string;
  mode: Mode;
  endpointId: string;
  secret: string;
  active: boolean;
}

export type ConnectedHook = (tx: Queryable, tenantId: string, mode: Mode) => Promise<void>;

function keyContext(tenantId: string, mode: Mode): string {
  return `stripe-key:${tenantId}:${mode}`;
}
function endpointContext(tenantId: string, endpointId: string): string {
  return `stripe-webhook-secret:${tenantId}:${endpointId}`;
}

/** Checks that a pasted key is a Stripe secret or restricted key of the right mode. */
export function checkStripeKey(key: string, mode: Mode): 'secret' | 'restricted' {
  const match = /^(sk|rk|pk)_(test|live)_[A-Za-z0-9_-]{8,}$/.exec(key.trim());
  if (!match) throw providerErrors.stripe_key_malformed('That is not a Stripe secret key (sk_test_…/sk_live_…) or restricted key (rk_…).');
  if (match[1] === 'pk') throw providerErrors.stripe_publishable_key();
  if (match[2] !== mode) {
    throw providerErrors.stripe_key_mode_mismatch(
      `This is a ${match[2]}-mode key (${match[1]}_${match[2]}_…), but you are connecting ${mode} mode: use a ${match[1]}_${mode}_… key or PUT /v1/providers/stripe/${match[2]}.`,
    );
  }
  return match[1] === 'sk' ? 'secret' : 'restricted';
}

export function createProviderService(deps: ProviderServiceDeps) {
  const { db, clock, logger, encryptionKey, changes } = deps;
  const clients = new Map<string, Promise<{ stripe: Stripe; accountId: string | null } | null>>();
  const endpoints = new Map<string, Promise<ResolvedEndpoint | null>>();
  const connectedHooks: ConnectedHook[] = [];

  changes?.on(CONNECTION_TOPIC, (id) => (id === '*' ? clients.clear() : clients.delete(id)));
  changes?.on(ENDPOINT_TOPIC, (id) => (id === '*' ? endpoints.clear() : endpoints.delete(id)));

  function webhookUrl(endpointId: string): string {
    return `${deps.publicUrl}/webhooks/stripe/${endpointId}`;
  }

  function client(key: string, mode: Mode, stripeAccount?: string): Stripe {
    if (mode === 'live' && deps.stripeApiBase) throw providerErrors.live_mode_unavailable();
    return createStripeClient(key, { apiBase: deps.stripeApiBase, stripeAccount });
  }

  function view(mode: Mode, conn: ConnectionRow | undefined, endpoint: EndpointRow | undefined): ConnectionView {
    if (!conn) return { provider: 'stripe', mode, status: 'not_connected', webhook: null };
    return {
      provider: 'stripe',
      mode,
      status: conn.status,
      status_detail: conn.status_detail,
      method: conn.method,
      key_kind: conn.key_kind,
      key_last4: conn.key_last4,
      account_id: conn.account_id,
      account_name: conn.account_name,
      connected_at: conn.connected_at.toISOString(),
      webhook:
        endpoint && endpoint.secret_sealed
          ? {
              endpoint_id: endpoint.id,
              url: endpoint.url,
              source: endpoint.source,
              stripe_endpoint_id: endpoint.stripe_endpoint_id,
              enabled_events: endpoint.enabled_events.length,
            }
          : null,
    };
  }

  async function invalidate(tx: Queryable, tenantId: string, mode: Mode, endpointId?: string): Promise<void> {
    await notifyChange(tx, CONNECTION_TOPIC, `${tenantId}:${mode}`);
    clients.delete(`${tenantId}:${mode}`);
    if (endpointId) {
      await notifyChange(tx, ENDPOINT_TOPIC, endpointId);
      endpoints.delete(endpointId);
    }
  }

  async function fullView(tx: Queryable, tenantId: string, mode: Mode): Promise<ConnectionView> {
    const result = view(mode, await connectionRepository.find(tx, tenantId, mode), await endpointRepository.findActive(tx, tenantId, mode));
    if (result.status === 'not_connected') return result;
    const tenant = await tenantRepository.findById(tx, tenantId);
    return { ...result, publishable_key: ((tenant?.settings.stripe_publishable_keys as Record<string, string> | undefined) ?? {})[mode] ?? null };
  }

  async function audit(tx: Queryable, scope: TenantScope, action: string, details: Record<string, unknown>) {
    await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action, target: `stripe:${details.mode}`, details, at: clock.now() });
  }

  return {
    /** Registers work to do in the transaction that completes a connection (e.g. a full catalog sync). */
    onConnected(hook: ConnectedHook): void {
      connectedHooks.push(hook);
    },

    webhookUrl,

    /** The error for work that needs a connected Stripe account in `mode`. */
    notConnected(mode: Mode) {
      return providerErrors.stripe_not_connected(`No Stripe account is connected for ${mode} mode: PUT /v1/providers/stripe/${mode} first.`);
    },

    get: fullView,

    async isConnected(tx: Queryable, tenantId: string, mode: Mode): Promise<boolean> {
      return (await connectionRepository.find(tx, tenantId, mode)) !== undefined;
    },

    async connect(scope: TenantScope, mode: Mode, input: { secret_key?: string; webhook_secret?: string; publishable_key?: string }): Promise<ConnectionView> {
      const { tenantId } = scope;
      if (input.publishable_key !== undefined && !new RegExp(`^pk_${mode}_[A-Za-z0-9_]{8,}$`).test(input.publishable_key)) {
        throw providerErrors.stripe_key_malformed(`A Stripe publishable key of ${mode} mode starts with pk_${mode}_.`);
      }
      if (input.webhook_secret !== undefined && !/^whsec_[A-Za-z0-9+/=_-]{8,}$/.test(input.webhook_secret.trim())) {
        throw providerErrors.webhook_secret_malformed();
      }
      let key: string;
      let keyKind: 'secret' | 'restricted' | 'oauth';
      if (input.secret_key !== undefined) {
        keyKind = checkStripeKey(input.secret_key, mode);
        key = input.secret_key.trim();
      } else {
        const existing = await withTenant(db, tenantId, (tx) => connectionRepository.find(tx, tenantId, mode));
        if (!existing) throw providerErrors.stripe_not_connected(`Connect a Stripe key for ${mode} mode first: send {"secret_key": "…"}.`);
        key = open(encryptionKey, existing.secret_sealed, keyContext(tenantId, mode));
        keyKind = existing.key_kind;
      }
      const stripe = client(key, mode);
      let account;
      try {
        account = await verifyStripeKey(stripe);
      } catch (err) {
        throw stripeAppError(err, 'checking the key');
      }
      const now = clock.now();
      const endpoint = await withTenant(db, tenantId, async (tx) => {
        await connectionRepository.upsert(tx, {
          tenant_id: tenantId,
          mode,
          method: keyKind === 'oauth' ? 'oauth' : 'api_key',
          key_kind: keyKind,
          secret_sealed: seal(encryptionKey, key, keyContext(tenantId, mode)),
          key_last4: key.slice(-4),
          account_id: account.accountId,
          account_name: account.accountName,
          status: 'connected',
          connected_at: now,
          updated_at: now,
        });
        return endpointRepository.ensure(tx, tenantId, mode, (id) => ({ url: webhookUrl(id) }), now);
      });

      let patch: Parameters<typeof endpointRepository.update>[3];
      if (input.webhook_secret !== undefined) {
        patch = {
          source: 'manual',
          stripeEndpointId: null,
          secretSealed: seal(encryptionKey, input.webhook_secret.trim(), endpointContext(tenantId, endpoint.id)),
          enabledEvents: [],
        };
      } else {
        const haveSecret = endpoint.source === 'registered' && endpoint.secret_sealed !== '';
        let ensured;
        try {
          ensured = await ensureWebhookEndpoint(stripe, endpoint.url, { haveSecret });
        } catch (err) {
          await withTenant(db, tenantId, (tx) => connectionRepository.setStatus(tx, tenantId, mode, 'error', 'webhook endpoint registration failed', clock.now()));
          throw stripeAppError(err, 'registering the webhook endpoint');
        }
        patch = {
          source: 'registered',
          stripeEndpointId: ensured.stripeEndpointId,
          secretSealed: ensured.secret ? seal(encryptionKey, ensured.secret, endpointContext(tenantId, endpoint.id)) : endpoint.secret_sealed,
          enabledEvents: TOLLGATE_STRIPE_EVENTS,
        };
      }
      const result = await withTenant(db, tenantId, async (tx) => {
        await endpointRepository.update(tx, tenantId, endpoint.id, patch, clock.now());
        await invalidate(tx, tenantId, mode, endpoint.id);
        await audit(tx, scope, 'stripe.connected', { mode, key_last4: key.slice(-4), account_id: account.accountId, webhook: patch.source });
        if (input.publishable_key !== undefined) {
          const tenant = await tenantRepository.findById(tx, tenantId);
          const keys = { ...((tenant?.settings.stripe_publishable_keys as Record<string, string> | undefined) ?? {}), [mode]: input.publishable_key };
          await tenantRepository.updateSettings(tx, tenantId, { stripe_publishable_keys: keys });
        }
        for (const hook of connectedHooks) await hook(tx, tenantId, mode);
        return fullView(tx, tenantId, mode);
      });
      logger.info({ tenantId, mode, accountId: account.accountId, webhook: patch.source }, 'stripe connected');
      return result;
    },

    async disconnect(scope: TenantScope, mode: Mode): Promise<ConnectionView> {
      const { tenantId } = scope;
      const [conn, endpoint] = await withTenant(db, tenantId, async (tx) => [
        await connectionRepository.find(tx, tenantId, mode),
        await endpointRepository.findActive(tx, tenantId, mode),
      ]);
      if (!conn) throw providerErrors.stripe_not_connected();
      if (endpoint?.source === 'registered' && endpoint.stripe_endpoint_id) {
        try {
          const key = open(encryptionKey, conn.secret_sealed, keyContext(tenantId, mode));
          await deleteWebhookEndpoint(client(key, mode), endpoint.stripe_endpoint_id);
        } catch (err) {
          logger.warn({ tenantId, mode, err }, 'could not delete the Stripe webhook endpoint while disconnecting; remove it in the Stripe Dashboard');
        }
      }
      return withTenant(db, tenantId, async (tx) => {
        await connectionRepository.remove(tx, tenantId, mode);
        const disabled = await endpointRepository.disable(tx, tenantId, mode, clock.now());
        await invalidate(tx, tenantId, mode, disabled?.id);
        await audit(tx, scope, 'stripe.disconnected', { mode });
        return view(mode, undefined, undefined);
      });
    },

    /** A Stripe client for the tenant's connected account in `mode`, or null when none is connected. */
    stripeFor(tenantId: string, mode: Mode): Promise<{ stripe: Stripe; accountId: string | null } | null> {
      const id = `${tenantId}:${mode}`;
      let entry = clients.get(id);
      if (!entry) {
        entry = withTenant(db, tenantId, (tx) => connectionRepository.find(tx, tenantId, mode)).then((conn) =>
          conn ? { stripe: client(open(encryptionKey, conn.secret_sealed, keyContext(tenantId, mode)), mode), accountId: conn.account_id } : null,
        );
        entry.catch(() => clients.delete(id));
        clients.set(id, entry);
      }
      return entry;
    },

    /** The tenant, mode and signing secret behind a webhook URL's endpoint id (cached; null when unknown). */
    endpoint(endpointId: string): Promise<ResolvedEndpoint | null> {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(endpointId)) return Promise.resolve(null);
      let entry = endpoints.get(endpointId);
      if (!entry) {
        entry = withSystem(db, (tx) => endpointRepository.findById(tx, endpointId)).then((row) =>
          row && row.secret_sealed
            ? {
                tenantId: row.tenant_id,
                mode: row.mode,
                endpointId: row.id,
                secret: open(encryptionKey, row.secret_sealed, endpointContext(row.tenant_id, row.id)),
                active: row.status === 'active',
              }
            : null,
        );
        // Only known endpoints stay cached: random ids must not grow the map.
        entry.then((found) => (found ? undefined : endpoints.delete(endpointId)), () => endpoints.delete(endpointId));
        endpoints.set(endpointId, entry);
      }
      return entry;
    },

    /** Records that Stripe rejected the stored key (e.g. it was rolled), so the console shows it. */
    async markError(tenantId: string, mode: Mode, detail: string): Promise<void> {
      await withTenant(db, tenantId, (tx) => connectionRepository.setStatus(tx, tenantId, mode, 'error', detail, clock.now()));
    },
  };
}

export type ProviderService = ReturnType<typeof createProviderService>;
