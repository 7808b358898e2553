/**
 * Assembles the webhook domain: intake (the raw-body route plugin), the
 * processing job handler, and the event console service, behind one object
 * on the app's services (`services.webhooks`).
 */
import type { Db } from '../db/types.ts';
import type { Metrics } from '../http/metrics.ts';
import type { JobRunner } from '../jobs/queue.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { ProviderService } from '../providers/service.ts';
import type { Projector } from '../billing/projector.ts';
import { createWebhookIntake, webhookIntakePlugin } from './intake.ts';
import { createWebhookProcessor, type CatalogEventSink } from './processor.ts';
import { createWebhookService } from './service.ts';

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  /** Real time for signature tolerance (defaults to the system clock). */
  wallClock?: Clock;
  logger: Logger;
  metrics: Metrics;
  providers: ProviderService;
  jobs: JobRunner;
  projector: Projector;
  catalog?: CatalogEventSink;
  config: { webhookBodyLimit: number; webhookMaxAttempts: number };
}

export function createWebhooks(deps: WebhookDeps) {
  const maxAttempts = deps.config.webhookMaxAttempts;
  const intake = createWebhookIntake({ ...deps, wallClock: deps.wallClock ?? systemClock, maxAttempts });
  const processor = createWebhookProcessor(deps);
  deps.jobs.register(processor.handler);
  return {
    intake,
    service: createWebhookService({ clock: deps.clock, maxAttempts }),
    /** The Fastify plugin serving POST /webhooks/stripe/:endpointId. */
    plugin: webhookIntakePlugin(intake, deps.config.webhookBodyLimit),
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
