/**
 * Processing of stored webhook events, as a job queue handler: one job per
 * event, claimed by one worker at a time across every server instance (SKIP
 * LOCKED under a lease; a crashed worker's job is claimed again when its lease
 * runs out), retried with backoff, and `failed` with its error at the end.
 *
 * Why the shared job queue rather than claiming from webhook_events directly:
 * intake pays one extra INSERT (the job) in the transaction it already opens,
 * while replay, backoff, leases, NOTIFY wake-ups and `jobs.drain()` in tests
 * come for free and behave like every other background job. The benchmark
 * (`npm run bench -- webhooks`) reports what that costs next to a bare
 * INSERT baseline.
 *
 * One event is one transaction (`withTenant`): every object it names is
 * re-read from Stripe first (outside the transaction: a network call never
 * holds one open), then projected, the domain events emitted and the event
 * marked processed together.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { Mode } from '../http/context.ts';
import type { Metrics } from '../http/metrics.ts';
import { exponentialBackoff, type JobRow, type QueueHandler } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import { redactText } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import { describeStripeError } from '../providers/stripe/errors.ts';
import { actionForEvent, followUpRefs, readLedgerObject, type EventEnvelope } from '../providers/stripe/ledger.ts';
import type { Projector, ProjectionResult } from '../billing/projector.ts';
import type { LedgerRecord } from '../billing/records.ts';
import { webhookEventRepository, type WebhookEventRow } from './repository.ts';

export const WEBHOOK_QUEUE = 'webhooks.process';

const backoff = exponentialBackoff(1_000, 3_600_000);

/** The part of the catalog that takes product.* and price.* events. */
export interface CatalogEventSink {
  handleStripeEvent(tx: Queryable, scope: { tenantId: string; mode: Mode }, event: { id?: string; type: string; data: { object: unknown } }): Promise<unknown>;
}

export interface ProcessorDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  providers: ProviderService;
  projector: Projector;
  catalog?: CatalogEventSink;
}

class EventProcessingError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'EventProcessingError';
  }
}

function describe(err: unknown): string {
  if (err instanceof EventProcessingError) return err.message;
  const f = describeStripeError(err);
  if (f.type !== 'Unknown') return `Stripe ${f.type}${f.code ? ` (${f.code})` : ''}: ${f.message}`;
  return redactText(err instanceof Error ? err.message : String(err));
}

function summarize(results: ProjectionResult[]): string {
  return results
    .map((r) => `${r.kind} ${r.stripeId} ${r.write === 'stale' ? 'unchanged (a newer read is stored)' : r.write}${r.emitted.length ? ` → ${r.emitted.join(', ')}` : ''}`)
    .join('; ');
}

export function createWebhookProcessor(deps: ProcessorDeps) {
  const { db, clock, logger, metrics, providers, projector } = deps;
  const processed = () => metrics.counter('tollgate_webhook_events_processed_total', 'Stripe events processed, by type and outcome.', ['type', 'outcome']);

  /** Loads the event and takes the read sequence number, before anything is read from Stripe. */
  async function load(tenantId: string, eventId: string) {
    return withTenant(db, tenantId, (tx) => webhookEventRepository.loadForProcessing(tx, tenantId, eventId));
  }

  async function project(event: WebhookEventRow, readSeq: bigint, attempts: number): Promise<string> {
    const tenantId = event.tenant_id;
    const mode = event.mode;
    const envelope = event.payload as unknown as EventEnvelope;
    const action = actionForEvent(envelope);
    const done = (tx: Queryable, status: 'processed' | 'ignored', outcome: string) =>
      webhookEventRepository.markDone(tx, tenantId, event.id, { status, attempts, outcome, at: clock.now() });

    switch (action.action) {
      case 'ignore':
        await withTenant(db, tenantId, (tx) => done(tx, 'ignored', 'not an event Tollgate acts on'));
        return 'ignored';
      case 'catalog':
        await withTenant(db, tenantId, async (tx) => {
          if (!deps.catalog) return done(tx, 'processed', 'recorded (no catalog to notify)');
          const result = await deps.catalog.handleStripeEvent(tx, { tenantId, mode }, { id: event.id, type: event.type, data: envelope.data });
          await done(tx, 'processed', `catalog: ${String(result)}`);
        });
        return 'processed';
      case 'deauthorized':
        await providers.markError(tenantId, mode, 'Stripe access was revoked (account.application.deauthorized): reconnect the account.');
        await withTenant(db, tenantId, (tx) => done(tx, 'processed', `${mode}-mode connection marked as errored`));
        return 'processed';
      case 'project': {
        const client = await providers.stripeFor(tenantId, mode);
        if (!client) throw new EventProcessingError(`No Stripe account is connected for ${mode} mode; reconnect it, then replay this event.`, false);
        const records: LedgerRecord[] = [];
        for (const ref of action.refs) {
          const record = await readLedgerObject(client.stripe, ref);
          records.push(record);
          for (const follow of followUpRefs(event.type, record)) records.push(await readLedgerObject(client.stripe, follow));
        }
        await withTenant(db, tenantId, async (tx) => {
          const results: ProjectionResult[] = [];
          for (const record of records) {
            results.push(await projector.project(tx, { tenantId, mode, readSeq, eventType: event.type, eventId: event.id }, record));
          }
          await done(tx, 'processed', summarize(results));
        });
        return 'processed';
      }
    }
  }

  async function recordFailure(job: JobRow, event: WebhookEventRow, err: unknown): Promise<void> {
    const permanent = err instanceof EventProcessingError && err.permanent;
    const final = permanent || job.attempts >= job.max_attempts;
    const message = describe(err);
    const nextAttemptAt = final ? null : new Date(clock.now().getTime() + backoff(job.attempts));
    processed().inc({ type: event.type, outcome: final ? 'failed' : 'retry' });
    try {
      await withTenant(db, event.tenant_id, (tx) => webhookEventRepository.markFailure(tx, event.tenant_id, event.id, { final, attempts: job.attempts, error: message, nextAttemptAt }));
    } catch (markErr) {
      logger.warn({ err: markErr, eventId: event.id }, 'could not record a webhook processing failure');
    }
    logger.warn({ tenantId: event.tenant_id, eventId: event.id, type: event.type, attempt: job.attempts, final }, `webhook event ${event.id} failed: ${message}`);
  }

  const handler: QueueHandler = {
    queue: WEBHOOK_QUEUE,
    backoff,
    isPermanent: (err) => err instanceof EventProcessingError && err.permanent,
    async handle(job: JobRow): Promise<void> {
      const tenantId = job.tenant_id;
      const eventId = (job.payload as { eventId?: unknown }).eventId;
      if (!tenantId || typeof eventId !== 'string') throw new EventProcessingError('malformed webhook job', true);
      const loaded = await load(tenantId, eventId);
      if (!loaded) return; // the event is gone (its tenant was deleted)
      try {
        const outcome = await project(loaded.event, loaded.readSeq, job.attempts);
        processed().inc({ type: loaded.event.type, outcome });
      } catch (err) {
        await recordFailure(job, loaded.event, err);
        throw err;
      }
    },
  };

  return { handler };
}
