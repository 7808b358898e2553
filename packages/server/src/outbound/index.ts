/**
 * Assembles outbound webhooks: the endpoint and delivery service, the
 * delivery job, and the domain-event handlers that publish messages.
 */
import type { Db } from '../db/types.ts';
import type { DomainEvents } from '../events/bus.ts';
import type { Metrics } from '../http/metrics.ts';
import type { JobRunner } from '../jobs/queue.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../log/logger.ts';
import { registerOutboundEvents } from './events.ts';
import { createDeliveryHandler } from './jobs.ts';
import { createOutboundService } from './service.ts';

export function createOutbound(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  events: DomainEvents;
  jobs: JobRunner;
  encryptionKey: Buffer;
  production: boolean;
  maxAttempts: number;
  timeoutMs: number;
}) {
  const service = createOutboundService(deps);
  deps.jobs.register(createDeliveryHandler({ ...deps, publicOnly: deps.production }));
  registerOutboundEvents(deps.events, service);
  return service;
}

export type Outbound = ReturnType<typeof createOutbound>;
