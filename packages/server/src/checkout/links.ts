/**
 * Links Stripe customers to app customers when Stripe tells us about them, in
 * the transaction of the webhook that did (these handlers are registered before
 * the entitlement engine's, so its recomputation already sees the link):
 *
 * - `checkout.completed`: the session's `metadata.tollgate_customer_id` (or
 *   its `client_reference_id`) names the app customer. A Tollgate Checkout
 *   started with only `customer_email` creates the app customer
 *   `email:<address>` (lowercased) and links it.
 * - `customer.changed`: a Stripe customer whose `metadata.tollgate_customer_id`
 *   names an app customer of the same mode is linked.
 *
 * The first link wins: a customer already linked to another Stripe customer
 * keeps it. Only ids in metadata Tollgate wrote are trusted, never emails of
 * arbitrary Stripe customers.
 */
import type { Queryable } from '../db/types.ts';
import type { CustomerService } from '../customers/service.ts';
import type { DomainEvents } from '../events/bus.ts';
import type { Mode } from '../http/context.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The external id given to a customer who bought with only an email address. */
export function emailExternalId(email: string): string {
  return `email:${email.trim().toLowerCase()}`;
}

export function registerCustomerLinks(deps: { events: DomainEvents; customers: CustomerService }): void {
  const { events, customers } = deps;

  async function linkById(tx: Queryable, tenantId: string, mode: Mode, customerId: string | null | undefined, stripeCustomerId: string): Promise<boolean> {
    if (!customerId || !UUID.test(customerId)) return false;
    const customer = await customers.findById(tx, tenantId, customerId);
    if (!customer || customer.mode !== mode) return false;
    if (!customer.stripe_customer_id) await customers.linkStripe(tx, tenantId, customer.id, stripeCustomerId);
    return true;
  }

  events.on('checkout.completed', async (tx, e) => {
    if (!e.customer) return;
    if (await linkById(tx, e.tenantId, e.mode, e.metadata.tollgate_customer_id, e.customer)) return;
    if (await linkById(tx, e.tenantId, e.mode, e.clientReferenceId, e.customer)) return;
    // A Tollgate Checkout started with only an email: the buyer becomes an app customer.
    if (!e.metadata.tollgate_price_key || e.metadata.tollgate_customer_id || !e.customerEmail) return;
    if (await customers.findByStripeId(tx, e.tenantId, e.mode, e.customer)) return;
    const { row } = await customers.upsert(tx, e.tenantId, e.mode, emailExternalId(e.customerEmail), { email: e.customerEmail.toLowerCase() });
    if (!row.stripe_customer_id) await customers.linkStripe(tx, e.tenantId, row.id, e.customer);
  });

  events.on('customer.changed', async (tx, e) => {
    if (e.deleted) return;
    await linkById(tx, e.tenantId, e.mode, e.metadata.tollgate_customer_id, e.customer);
  });
}
