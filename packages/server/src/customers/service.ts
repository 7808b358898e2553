/**
 * The app's customers, identified by the app's own user id, one record per
 * mode. The Stripe customer is created the first time one is needed (Checkout,
 * the portal) and linked; a Stripe customer that arrives from Checkout is
 * linked through its metadata or the session's client_reference_id.
 */
import type { Db, Queryable } from '../db/types.ts';
import { withTenant } from '../db/scope.ts';
import type { Mode } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import type { ProviderService } from '../providers/service.ts';
import { createStripeCustomer } from '../providers/stripe/customers.ts';
import { stripeAppError } from '../providers/stripe/errors.ts';
import { customerErrors } from './errors.ts';
import { customerRepository, type CustomerRow } from './repository.ts';

export function customerView(row: CustomerRow) {
  return {
    id: row.id,
    external_id: row.external_id,
    mode: row.mode,
    email: row.email,
    name: row.name,
    metadata: row.metadata,
    stripe_customer_id: row.stripe_customer_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function createCustomerService(deps: { db: Db; clock: Clock; providers: ProviderService }) {
  const { db, clock, providers } = deps;

  return {
    async upsert(tx: Queryable, tenantId: string, mode: Mode, externalId: string, input: { email?: string | null; name?: string | null; metadata?: Record<string, string> }) {
      return customerRepository.upsert(tx, tenantId, mode, { externalId, ...input }, clock.now());
    },

    async get(tx: Queryable, tenantId: string, mode: Mode, externalId: string): Promise<CustomerRow> {
      const row = await customerRepository.findByExternalId(tx, tenantId, mode, externalId);
      if (!row) throw customerErrors.customer_not_found(`No customer "${externalId}" in ${mode} mode: create it with PUT /v1/customers/{external_id}.`);
      return row;
    },

    find: (tx: Queryable, tenantId: string, mode: Mode, externalId: string) => customerRepository.findByExternalId(tx, tenantId, mode, externalId),
    findById: (tx: Queryable, tenantId: string, id: string) => customerRepository.findById(tx, tenantId, id),
    findByStripeId: (tx: Queryable, tenantId: string, mode: Mode, stripeId: string) => customerRepository.findByStripeId(tx, tenantId, mode, stripeId),

    /** Links a Stripe customer to an app customer (from Checkout); the first link wins. */
    linkStripe: (tx: Queryable, tenantId: string, customerId: string, stripeCustomerId: string) =>
      customerRepository.linkStripe(tx, tenantId, customerId, stripeCustomerId, clock.now()),

    /**
     * The customer's Stripe customer id in `mode`, creating it in Stripe on
     * first need. Network I/O: call outside any transaction.
     */
    async ensureStripeCustomer(tenantId: string, mode: Mode, customer: CustomerRow): Promise<string> {
      if (customer.stripe_customer_id) return customer.stripe_customer_id;
      const client = await providers.stripeFor(tenantId, mode);
      if (!client) throw providers.notConnected(mode);
      let stripeId: string;
      try {
        stripeId = await createStripeCustomer(client.stripe, { tollgateId: customer.id, externalId: customer.external_id, email: customer.email, name: customer.name });
      } catch (err) {
        throw stripeAppError(err, 'creating the Stripe customer');
      }
      const linked = await withTenant(db, tenantId, (tx) => customerRepository.linkStripe(tx, tenantId, customer.id, stripeId, clock.now()));
      return linked?.stripe_customer_id ?? stripeId;
    },

    list: (tx: Queryable, tenantId: string, mode: Mode, page: { limit: number; after?: string }) => customerRepository.list(tx, tenantId, mode, page),
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
