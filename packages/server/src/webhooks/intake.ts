/**
 * Webhook intake: `POST /webhooks/stripe/{endpoint_id}`. Verify at the door,
 * store, then work: the endpoint id names the tenant, mode and signing secret;
 * the signature is checked on the exact raw bytes; the event is stored once
 * (deduplicated by its id) with its processing job in the same transaction,
 * and only then does Stripe get its 2xx. When the database cannot take the
 * event the answer is 503, so Stripe delivers it again: nothing is
 * acknowledged that was not stored.
 *
 * The route lives in its own encapsulated Fastify plugin: its content-type
 * parser keeps the body as a Buffer (any re-encoding would break the
 * signature) under its own body limit. Errors render through the app's error
 * handler; every refusal is logged and counted.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Db } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { Metrics } from '../http/metrics.ts';
import { AppError } from '../http/errors.ts';
import { JOBS_CHANNEL } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import { actionForEvent } from '../providers/stripe/ledger.ts';
import { verifyStripeSignature } from '../providers/stripe/webhook.ts';
import { webhookErrors } from './errors.ts';
import { WEBHOOK_QUEUE } from './processor.ts';
import { webhookEventRepository } from './repository.ts';
import { stripeEventEnvelope } from './schemas.ts';

export interface IntakeDeps {
  db: Db;
  /** Business time (received_at, job run time). */
  clock: Clock;
  /** Real time, for the signature's 300 s tolerance (Stripe signs with the real time of sending). */
  wallClock: Clock;
  providers: ProviderService;
  metrics: Metrics;
  logger: Logger;
  maxAttempts: number;
}

export interface IntakeResult {
  duplicate: boolean;
  eventId: string;
}

/** SQLSTATE classes that mean "this data cannot be stored" rather than "the database is unavailable". */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|54)/.test(code);
}

/**
 * Stripe events nest a few levels (expanded objects a few more); absurd
 * nesting is refused before it reaches the database, which would reject it
 * (PostgreSQL) or choke on it (PGlite).
 */
export const MAX_EVENT_DEPTH = 64;

/** True when the JSON text nests arrays/objects deeper than `limit` (strings are skipped). */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

function firstIssue(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const issue = issues[0];
  return issue ? `${issue.path.map(String).join('.') || 'event'}: ${issue.message}` : 'not a Stripe event';
}

/** How long intake may wait before waking idle workers (one NOTIFY per window, whatever the rate). */
const WAKE_MS = 5;

/**
 * Wakes idle workers once events are committed. Instead of a NOTIFY inside
 * every intake transaction (one more round trip each, and NOTIFY serializes
 * commits), intake asks for one NOTIFY per few milliseconds after its commit:
 * under load one wake-up serves many events, and busy workers keep claiming
 * without one.
 */
function createWaker(db: Db, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      db.query('select pg_notify($1, $2)', [JOBS_CHANNEL, WEBHOOK_QUEUE]).catch((err: unknown) => logger.warn({ err }, 'could not wake the webhook workers; they will poll'));
    }, WAKE_MS);
    timer.unref();
  };
}

export function createWebhookIntake(deps: IntakeDeps) {
  const { db, clock, wallClock, providers, logger } = deps;
  const wakeWorkers = createWaker(db, logger);
  const count = (outcome: string) =>
    deps.metrics.counter('tollgate_webhook_deliveries_total', 'Stripe webhook deliveries by outcome (stored, duplicate, or the refusal code).', ['outcome']).inc({ outcome });

  async function resolveEndpoint(endpointId: string) {
    try {
      return await providers.endpoint(endpointId);
    } catch (err) {
      logger.error({ err, endpointId }, 'webhook endpoint lookup failed');
      throw webhookErrors.webhook_store_failed();
    }
  }

  return {
    /** Counts a delivery's outcome (refusals are counted by the plugin's error hook). */
    count,

    async receive(endpointId: string, raw: Buffer, signature: string | undefined): Promise<IntakeResult> {
      const endpoint = await resolveEndpoint(endpointId);
      if (!endpoint) throw webhookErrors.webhook_endpoint_not_found();
      if (!signature) throw webhookErrors.webhook_signature_missing();
      const verified = verifyStripeSignature(raw, signature, endpoint.secret, wallClock.now().getTime());
      if (!verified.ok) {
        throw verified.failure === 'signature_invalid' ? webhookErrors.webhook_signature_invalid() : webhookErrors.webhook_event_invalid(`The body is not a Stripe event: ${verified.detail}.`);
      }
      const text = raw.toString('utf8');
      if (nestsDeeperThan(text, MAX_EVENT_DEPTH)) throw webhookErrors.webhook_event_invalid(`The body nests deeper than ${MAX_EVENT_DEPTH} levels: not a Stripe event.`);
      const parsed = stripeEventEnvelope.safeParse(verified.event);
      if (!parsed.success) throw webhookErrors.webhook_event_invalid(`The body is not a Stripe event: ${firstIssue(parsed.error.issues)}.`);
      const event = parsed.data;
      if (event.livemode !== (endpoint.mode === 'live')) {
        throw webhookErrors.webhook_livemode_mismatch(`A ${event.livemode ? 'live' : 'test'}-mode event was sent to a ${endpoint.mode}-mode endpoint.`);
      }
      const action = actionForEvent(event);
      const now = clock.now();
      const obj = event.data.object;
      let stored: boolean;
      try {
        const newEvent = {
          id: event.id,
          mode: endpoint.mode,
          endpointId: endpoint.endpointId,
          type: event.type,
          account: event.account ?? null,
          livemode: event.livemode,
          apiVersion: event.api_version ?? null,
          created: new Date(event.created * 1000),
          objectType: obj.object ?? null,
          objectId: obj.id ?? null,
          payloadJson: text,
          status: action.action === 'ignore' ? ('ignored' as const) : ('pending' as const),
          outcome: action.action === 'ignore' ? 'not an event Tollgate acts on' : null,
          receivedAt: now,
        };
        // The event and its processing job are committed together (the wake-up follows the commit).
        const job = { queue: WEBHOOK_QUEUE, tenantId: endpoint.tenantId, dedupeKey: `${endpoint.tenantId}:${event.id}`, payload: { eventId: event.id }, runAt: now, maxAttempts: deps.maxAttempts };
        stored = await withTenant(db, endpoint.tenantId, (tx) =>
          action.action === 'ignore'
            ? webhookEventRepository.insert(tx, endpoint.tenantId, newEvent)
            : webhookEventRepository.insertWithJob(tx, endpoint.tenantId, newEvent, job, now),
        );
      } catch (err) {
        if (isDataError(err)) throw webhookErrors.webhook_event_invalid('The event contains data that cannot be stored (e.g. a NUL character).');
        logger.error({ err, endpointId, eventId: event.id }, 'webhook event could not be stored; answering 503 so Stripe retries');
        throw webhookErrors.webhook_store_failed();
      }
      if (stored && action.action !== 'ignore') wakeWorkers();
      count(stored ? 'stored' : 'duplicate');
      return { duplicate: !stored, eventId: event.id };
    },
  };
}

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;

function refusalCode(err: unknown): string {
  if (err instanceof AppError) return err.code;
  const e = err as { code?: string; statusCode?: number };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413) return 'body_too_large';
  return e?.code ?? 'internal';
}

/** The intake route as an encapsulated plugin with a raw-body parser and its own body limit. */
export function webhookIntakePlugin(intake: WebhookIntake, bodyLimit: number): FastifyPluginAsync {
  return async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.addHook('onError', async (request, _reply, err) => {
      const code = refusalCode(err);
      intake.count(code);
      const params = request.params as { endpointId?: string } | undefined;
      request.log.warn({ refused: code, endpointId: params?.endpointId }, `stripe webhook refused: ${code}`);
    });
    scope.post<{ Params: { endpointId: string } }>('/webhooks/stripe/:endpointId', { bodyLimit }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['stripe-signature'];
      const result = await intake.receive(request.params.endpointId, raw, typeof header === 'string' ? header : undefined);
      return reply.code(200).send({ received: true, ...(result.duplicate ? { duplicate: true } : {}) });
    });
  };
}
