/**
 * The operator's view of webhook events: list and inspect them with their
 * status, attempts and last error, and replay one event or every failed one.
 * Takes the caller's transaction; replays enqueue jobs in it.
 */
import type { Queryable } from '../db/types.ts';
import type { Mode, TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import { enqueue } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import { auditRepository } from '../tenants/repository.ts';
import { webhookErrors } from './errors.ts';
import { WEBHOOK_QUEUE } from './processor.ts';
import { webhookEventRepository, type EventStatus, type WebhookEventRow } from './repository.ts';

const REPLAY_BATCH = 1000;

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export function eventView(row: WebhookEventRow) {
  return {
    id: row.id,
    type: row.type,
    mode: row.mode,
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    next_attempt_at: iso(row.next_attempt_at),
    outcome: row.outcome,
    object: { type: row.object_type, id: row.object_id },
    account: row.account,
    api_version: row.api_version,
    livemode: row.livemode,
    created: row.created.toISOString(),
    received_at: row.received_at.toISOString(),
    processed_at: iso(row.processed_at),
  };
}

export function createWebhookService(deps: { clock: Clock; maxAttempts: number }) {
  const { clock } = deps;

  async function requeue(tx: Queryable, tenantId: string, ids: string[]): Promise<number> {
    const rows = await webhookEventRepository.markReplayed(tx, tenantId, ids);
    for (const row of rows) {
      await enqueue(tx, clock, { queue: WEBHOOK_QUEUE, tenantId, dedupeKey: `${tenantId}:${row.id}`, payload: { eventId: row.id }, maxAttempts: deps.maxAttempts });
    }
    return rows.length;
  }

  return {
    async list(tx: Queryable, tenantId: string, mode: Mode, filter: { status?: EventStatus; type?: string; object_id?: string; limit: number; starting_after?: string }) {
      const rows = await webhookEventRepository.list(tx, tenantId, mode, {
        status: filter.status,
        type: filter.type,
        objectId: filter.object_id,
        limit: filter.limit + 1,
        startingAfter: filter.starting_after,
      });
      return {
        data: rows.slice(0, filter.limit).map(eventView),
        has_more: rows.length > filter.limit,
        summary: await webhookEventRepository.countByStatus(tx, tenantId, mode),
      };
    },

    async get(tx: Queryable, tenantId: string, mode: Mode, id: string) {
      const row = await webhookEventRepository.find(tx, tenantId, id);
      if (!row || row.mode !== mode) throw webhookErrors.webhook_event_not_found(`No webhook event ${id} in ${mode} mode.`);
      return { ...eventView(row), payload: row.payload };
    },

    /** Re-runs one event (any status but one already waiting for its turn). */
    async replay(tx: Queryable, scope: TenantScope, id: string) {
      const row = await webhookEventRepository.find(tx, scope.tenantId, id);
      if (!row || row.mode !== scope.mode) throw webhookErrors.webhook_event_not_found(`No webhook event ${id} in ${scope.mode} mode.`);
      if (row.status === 'pending' || row.status === 'retrying') {
        throw webhookErrors.webhook_event_in_progress(`Event ${id} is ${row.status}: it will be processed without a replay.`);
      }
      await requeue(tx, scope.tenantId, [id]);
      await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action: 'webhook.replayed', target: id, details: { previous_status: row.status }, at: clock.now() });
      return eventView((await webhookEventRepository.find(tx, scope.tenantId, id))!);
    },

    /** Re-runs every failed event of the caller's mode (optionally of one type), up to 1000 per call. */
    async replayFailed(tx: Queryable, scope: TenantScope, type?: string) {
      const ids = await webhookEventRepository.failedIds(tx, scope.tenantId, scope.mode, type, REPLAY_BATCH + 1);
      const replayed = await requeue(tx, scope.tenantId, ids.slice(0, REPLAY_BATCH));
      if (replayed) {
        await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action: 'webhook.replayed_failed', target: type ?? '*', details: { count: replayed, mode: scope.mode }, at: clock.now() });
      }
      return { replayed, has_more: ids.length > REPLAY_BATCH };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
