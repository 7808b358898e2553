/**
 * The delivery job: one job per delivery (one message to one endpoint). It
 * signs the stored body per the Standard Webhooks spec (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`), POSTs it, records the attempt,
 * and throws on anything but a 2xx so the job queue retries it on the
 * schedule below. Nothing here holds a transaction open across the request.
 *
 * Automatic retries follow the Standard Webhooks schedule (5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h); a manual resend is one extra attempt of its own and
 * leaves a pending automatic schedule alone.
 */
import { Webhook } from 'standardwebhooks';
import { withTenant } from '../db/scope.ts';
import type { Db } from '../db/types.ts';
import type { Metrics } from '../http/metrics.ts';
import type { JobRow, QueueHandler } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import { open } from '../lib/crypto.ts';
import { redactText, type Logger } from '../log/logger.ts';
import { deliveryRepository, type AttemptRow } from './repository.ts';

export const DELIVER_QUEUE = 'outbound.deliver';
const SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const EXCERPT_BYTES = 500;

/** Delay after failed attempt `attempt` (1-based) before the next one. */
export function retryDelay(attempt: number): number {
  return SCHEDULE_MS[Math.min(Math.max(attempt, 1), SCHEDULE_MS.length) - 1]!;
}

export function secretContext(tenantId: string, endpointId: string): string {
  return `outbound-webhook-secret:${tenantId}:${endpointId}`;
}

interface SendResult {
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
  durationMs: number;
}

/** Reads at most `limit` bytes of a response body as text. */
async function excerptOf(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, limit).toString('utf8');
  return text ? redactText(text) : null;
}

async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const excerpt = await excerptOf(response, EXCERPT_BYTES).catch(() => null);
    const ok = response.status >= 200 && response.status < 300;
    return {
      statusCode: response.status,
      error: ok ? null : response.status >= 300 && response.status < 400 ? `redirect to ${response.headers.get('location') ?? '?'} (not followed)` : `HTTP ${response.status}`,
      excerpt,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { statusCode: null, error: redactText(String(reason)), excerpt: null, durationMs: Math.round(performance.now() - started) };
  }
}

export function createDeliveryHandler(deps: { db: Db; clock: Clock; logger: Logger; metrics: Metrics; encryptionKey: Buffer; timeoutMs: number }): QueueHandler {
  const { db, clock, metrics } = deps;
  const outcomes = metrics.counter('tollgate_outbound_webhook_attempts_total', 'Outbound webhook delivery attempts, by outcome.', ['outcome']);

  return {
    queue: DELIVER_QUEUE,
    backoff: retryDelay,
    async handle(job: JobRow) {
      const tenantId = job.tenant_id!;
      const deliveryId = String(job.payload.deliveryId);
      const trigger: AttemptRow['trigger'] = job.payload.trigger === 'resend' ? 'resend' : 'automatic';
      const row = await withTenant(db, tenantId, (tx) => deliveryRepository.forSending(tx, tenantId, deliveryId));
      if (!row) return; // the endpoint (and its deliveries) was deleted
      if (trigger === 'automatic' && row.status !== 'pending') return; // delivered by a resend, canceled, or already final
      if (row.disabled_at) {
        if (row.status === 'pending') await withTenant(db, tenantId, (tx) => deliveryRepository.setStatus(tx, tenantId, deliveryId, 'canceled', null, clock.now()));
        return;
      }
      const secret = open(deps.encryptionKey, row.secret_sealed, secretContext(tenantId, row.endpoint_id));
      const sentAt = clock.now();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Tollgate-Webhooks/1',
        'webhook-id': row.message_id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(row.message_id, sentAt, row.body),
      };
      const result = await post(row.url, headers, row.body, deps.timeoutMs);
      const ok = result.error === null;
      const retriesLeft = trigger === 'automatic' && job.attempts < job.max_attempts;
      // A failed resend leaves a pending automatic schedule in charge; otherwise failure is final once no retry is left.
      const status = ok ? 'succeeded' : retriesLeft || (trigger === 'resend' && row.status === 'pending') ? 'pending' : 'failed';
      const nextAttemptAt = status !== 'pending' ? null : retriesLeft ? new Date(sentAt.getTime() + retryDelay(job.attempts)) : row.next_attempt_at;
      await withTenant(db, tenantId, (tx) =>
        deliveryRepository.recordAttempt(tx, tenantId, deliveryId, { trigger, at: sentAt, ...result, status, nextAttemptAt }),
      );
      outcomes.inc({ outcome: ok ? 'succeeded' : 'failed' });
      if (!ok) throw new Error(`webhook delivery to endpoint ${row.endpoint_id} failed: ${result.error}`);
    },
  };
}
