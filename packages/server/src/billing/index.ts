/**
 * Assembles the billing ledger domain: the projector webhook processing
 * writes through, and the read service behind the ledger routes
 * (`services.billing`).
 */
import type { DomainEvents } from '../events/bus.ts';
import type { Clock } from '../lib/clock.ts';
import { createProjector } from './projector.ts';
import { createLedgerService } from './service.ts';

export function createBilling(deps: { events: DomainEvents; clock: Clock }) {
  return {
    projector: createProjector(deps),
    ...createLedgerService(),
  };
}

export type Billing = ReturnType<typeof createBilling>;
