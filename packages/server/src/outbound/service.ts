/**
 * Outbound webhooks to the tenant's own backend. A tenant registers endpoints
 * per mode; every publish (called in the transaction of the change it
 * reports) stores one message with the exact body and one delivery per
 * subscribed endpoint, and queues a job per delivery, so a webhook exists if
 * and only if its change committed. The delivery job (jobs.ts) signs, sends and
 * retries; the delivery log and a manual resend are here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/types.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import { enqueue } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import { randomBase62, seal } from '../lib/crypto.ts';
import { isPrivateHost } from '../lib/net.ts';
import { auditRepository } from '../tenants/repository.ts';
import { outboundErrors } from './errors.ts';
import { DELIVER_QUEUE, secretContext } from './jobs.ts';
import { deliveryRepository, endpointRepository, messageRepository, type DeliveryListRow, type EndpointRow } from './repository.ts';
import type { OutboundEventType } from './schemas.ts';

const MAX_ENDPOINTS_PER_MODE = 16;

export function endpointView(e: EndpointRow) {
  return {
    id: e.id,
    mode: e.mode,
    url: e.url,
    description: e.description,
    enabled_events: e.enabled_events,
    disabled: e.disabled_at !== null,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}

export function deliveryView(d: DeliveryListRow) {
  return {
    id: d.id,
    message_id: d.message_id,
    endpoint_id: d.endpoint_id,
    url: d.url,
    type: d.type,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    last_attempt_at: d.last_attempt_at?.toISOString() ?? null,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    created_at: d.created_at.toISOString(),
  };
}

/** The endpoint URL, normalized; https and a public host in production. */
export function checkEndpointUrl(raw: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw outboundErrors.webhook_url_invalid('The webhook URL must be an absolute URL, e.g. https://api.example.com/tollgate/webhooks.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw outboundErrors.webhook_url_invalid('The webhook URL must use https (or http outside production).');
  if (production && url.protocol !== 'https:') throw outboundErrors.webhook_url_invalid('In production the webhook URL must use https.');
  if (url.username || url.password) throw outboundErrors.webhook_url_invalid('Leave credentials out of the webhook URL: verify the webhook-signature header instead.');
  if (production && isPrivateHost(url.hostname)) throw outboundErrors.webhook_url_invalid('In production the webhook URL must point to a public host, not a loopback or private address.');
  url.hash = '';
  return url.toString();
}

export interface OutboundDeps {
  clock: Clock;
  encryptionKey: Buffer;
  production: boolean;
  maxAttempts: number;
}

export function createOutboundService(deps: OutboundDeps) {
  const { clock, encryptionKey } = deps;

  function newSecret(): string {
    return `whsec_${randomBytes(24).toString('base64')}`;
  }

  async function mustFind(tx: Queryable, scope: TenantScope, id: string): Promise<EndpointRow> {
    const found = await endpointRepository.find(tx, scope.tenantId, scope.mode, id);
    if (!found) throw outboundErrors.webhook_endpoint_not_found();
    return found;
  }

  async function audit(tx: Queryable, scope: TenantScope, action: string, endpointId: string, details?: Record<string, unknown>) {
    await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action, target: `webhook_endpoint:${endpointId}`, details, at: clock.now() });
  }

  return {
    async createEndpoint(tx: Queryable, scope: TenantScope, input: { url: string; description?: string; enabled_events?: OutboundEventType[] }) {
      const url = checkEndpointUrl(input.url, deps.production);
      if ((await endpointRepository.list(tx, scope.tenantId, scope.mode)).length >= MAX_ENDPOINTS_PER_MODE) {
        throw outboundErrors.webhook_endpoint_limit(`A mode has at most ${MAX_ENDPOINTS_PER_MODE} webhook endpoints: delete one first.`);
      }
      const id = randomUUID();
      const secret = newSecret();
      const row = await endpointRepository.insert(tx, scope.tenantId, {
        id,
        mode: scope.mode,
        url,
        description: input.description ?? '',
        enabledEvents: [...new Set(input.enabled_events ?? [])],
        secretSealed: seal(encryptionKey, secret, secretContext(scope.tenantId, id)),
        at: clock.now(),
      });
      await audit(tx, scope, 'webhook_endpoint.created', id, { url, mode: scope.mode });
      return { ...endpointView(row), secret };
    },

    async listEndpoints(tx: Queryable, scope: TenantScope) {
      return (await endpointRepository.list(tx, scope.tenantId, scope.mode)).map(endpointView);
    },

    async getEndpoint(tx: Queryable, scope: TenantScope, id: string) {
      return endpointView(await mustFind(tx, scope, id));
    },

    async updateEndpoint(tx: Queryable, scope: TenantScope, id: string, patch: { url?: string; description?: string; enabled_events?: OutboundEventType[]; disabled?: boolean }) {
      const existing = await mustFind(tx, scope, id);
      const now = clock.now();
      const disabledAt = patch.disabled === undefined ? undefined : patch.disabled ? (existing.disabled_at ?? now) : null;
      const row = await endpointRepository.update(
        tx,
        scope.tenantId,
        id,
        {
          url: patch.url === undefined ? undefined : checkEndpointUrl(patch.url, deps.production),
          description: patch.description,
          enabledEvents: patch.enabled_events ? [...new Set(patch.enabled_events)] : undefined,
          disabledAt,
        },
        now,
      );
      if (patch.disabled) await deliveryRepository.cancelPending(tx, scope.tenantId, id, now);
      await audit(tx, scope, 'webhook_endpoint.updated', id, { fields: Object.keys(patch) });
      return endpointView(row!);
    },

    async deleteEndpoint(tx: Queryable, scope: TenantScope, id: string): Promise<void> {
      await mustFind(tx, scope, id);
      await endpointRepository.remove(tx, scope.tenantId, id);
      await audit(tx, scope, 'webhook_endpoint.deleted', id);
    },

    /** A new signing secret, effective at once for every later attempt; shown only in this answer. */
    async rotateSecret(tx: Queryable, scope: TenantScope, id: string) {
      await mustFind(tx, scope, id);
      const secret = newSecret();
      const row = await endpointRepository.update(tx, scope.tenantId, id, { secretSealed: seal(encryptionKey, secret, secretContext(scope.tenantId, id)) }, clock.now());
      await audit(tx, scope, 'webhook_endpoint.secret_rotated', id);
      return { ...endpointView(row!), secret };
    },

    /**
     * Queues `type` to every enabled endpoint of the mode that receives it, in
     * the caller's transaction. `data` is only built when someone listens.
     * Returns the message id (the webhook-id header), or null when nobody does.
     */
    async publish(tx: Queryable, tenantId: string, mode: Mode, type: OutboundEventType, data: () => Promise<Record<string, unknown>>): Promise<string | null> {
      const endpoints = await endpointRepository.subscribed(tx, tenantId, mode, type);
      if (!endpoints.length) return null;
      const now = clock.now();
      const id = `msg_${randomBase62(24)}`;
      const body = JSON.stringify({ type, timestamp: now.toISOString(), data: await data() });
      await messageRepository.insert(tx, tenantId, { id, mode, type, body, at: now });
      for (const endpoint of endpoints) {
        const delivery = await deliveryRepository.insert(tx, tenantId, { mode, messageId: id, endpointId: endpoint.id, at: now });
        await enqueue(tx, clock, { queue: DELIVER_QUEUE, tenantId, dedupeKey: `outbound:${delivery.id}`, payload: { deliveryId: delivery.id }, maxAttempts: deps.maxAttempts });
      }
      return id;
    },

    async listDeliveries(tx: Queryable, scope: TenantScope, query: { endpoint?: string; status?: DeliveryListRow['status']; type?: string; limit: number; starting_after?: string }) {
      let before: { createdAt: Date; id: string } | undefined;
      if (query.starting_after) {
        const last = await deliveryRepository.find(tx, scope.tenantId, scope.mode, query.starting_after);
        if (!last) throw outboundErrors.webhook_delivery_not_found('starting_after names no delivery of this mode.');
        before = { createdAt: last.created_at, id: last.id };
      }
      const rows = await deliveryRepository.list(tx, scope.tenantId, scope.mode, { endpointId: query.endpoint, status: query.status, type: query.type, before, limit: query.limit + 1 });
      return { data: rows.slice(0, query.limit).map(deliveryView), has_more: rows.length > query.limit };
    },

    async getDelivery(tx: Queryable, scope: TenantScope, id: string) {
      const row = await deliveryRepository.find(tx, scope.tenantId, scope.mode, id);
      if (!row) throw outboundErrors.webhook_delivery_not_found();
      const attempts = await deliveryRepository.attempts(tx, scope.tenantId, id);
      return {
        ...deliveryView(row),
        payload: JSON.parse(row.body) as unknown,
        attempt_log: attempts.map((a) => ({ ...a, attempted_at: a.attempted_at.toISOString() })),
      };
    },

    /** Sends the same message (same webhook-id) once more, now, whatever its state. */
    async resend(tx: Queryable, scope: TenantScope, id: string) {
      const row = await deliveryRepository.find(tx, scope.tenantId, scope.mode, id);
      if (!row) throw outboundErrors.webhook_delivery_not_found();
      if ((await mustFind(tx, scope, row.endpoint_id)).disabled_at) {
        throw outboundErrors.webhook_endpoint_disabled('The endpoint is disabled: enable it (PATCH {"disabled": false}) before resending.');
      }
      await enqueue(tx, clock, { queue: DELIVER_QUEUE, tenantId: scope.tenantId, dedupeKey: `outbound:resend:${id}`, payload: { deliveryId: id, trigger: 'resend' }, maxAttempts: 1 });
      await audit(tx, scope, 'webhook_delivery.resent', row.endpoint_id, { delivery: id, message: row.message_id });
      return deliveryView(row);
    },
  };
}

export type OutboundService = ReturnType<typeof createOutboundService>;
