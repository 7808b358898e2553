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
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { withTenant } from '../db/scope.ts';
import type { Db } from '../db/types.ts';
import type { Metrics } from '../http/metrics.ts';
import type { JobRow, QueueHandler } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import { open } from '../lib/crypto.ts';
import { isPrivateAddress } from '../lib/net.ts';
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

/**
 * Resolves a host name like Node does, and refuses any answer in our own
 * network. The check happens on the address the socket will connect to, so
 * a name that resolved to a public address when the endpoint was saved and
 * to 127.0.0.1 now (DNS rebinding) is still refused.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, options, (err, address, family) => {
    if (err) return callback(err, address, family);
    const answers = typeof address === 'string' ? [address] : address.map((a) => a.address);
    const inside = answers.find(isPrivateAddress);
    if (inside) return callback(Object.assign(new Error(`${hostname} resolves to ${inside}, a private address`), { code: 'EPRIVATEADDRESS' }), address, family);
    callback(null, address, family);
  });
};

/**
 * POSTs one delivery and reads at most EXCERPT_BYTES of the answer. Redirects
 * are not followed; `publicOnly` (production) refuses private addresses.
 */
export function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, publicOnly: boolean): Promise<SendResult> {
  const started = performance.now();
  const target = new URL(url);
  if (publicOnly && isPrivateAddress(target.hostname)) {
    return Promise.resolve({ statusCode: null, error: `${target.hostname} is a private address`, excerpt: null, durationMs: 0 });
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null, excerpt: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, error: error && redactText(error), excerpt: excerpt && redactText(excerpt), durationMs: Math.round(performance.now() - started) });
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: publicOnly ? publicOnlyLookup : undefined }, (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') || null;
        const error = status >= 200 && status < 300 ? null : status >= 300 && status < 400 ? `redirect to ${response.headers.location ?? '?'} (not followed)` : `HTTP ${status}`;
        finish(status, error, text);
        response.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= EXCERPT_BYTES) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    const timer = setTimeout(() => {
      finish(null, `timed out after ${timeoutMs} ms`, null);
      request.destroy();
    }, timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => finish(null, err.code === 'EPRIVATEADDRESS' ? err.message : (err.code ?? err.message), null));
    request.end(body);
  });
}

export function createDeliveryHandler(deps: { db: Db; clock: Clock; logger: Logger; metrics: Metrics; encryptionKey: Buffer; timeoutMs: number; publicOnly: boolean }): QueueHandler {
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
      const result = await post(row.url, headers, row.body, deps.timeoutMs, deps.publicOnly);
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
