/**
 * Customers (create, retrieve, update, delete, list by email) and their payment
 * methods (attach, detach, list). Creating a customer with `payment_method` attaches
 * it; a customer created with `test_clock` lives on that clock's time. Deleting a
 * customer cancels its subscriptions first, like Stripe.
 */
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../core/errors.ts';
import { newInvoicePrefix } from '../core/ids.ts';
import { LIST, array, mergeMetadata, metadata, object, oneOf, range, string, ignored } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type ApiRequest, type Route } from '../core/router.ts';
import type { Ctx } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { assertAttachable, attachPaymentMethod, detachPaymentMethod, requireAttached, resolvePaymentMethod } from './cards.ts';
import { cancelSubscriptionNow } from './subscriptions.ts';

const address = object({ city: string(), country: string(), line1: string(), line2: string(), postal_code: string(), state: string() });

const customerFields = {
  email: string({ maxLength: 512 }),
  name: string({ maxLength: 256 }),
  description: string(),
  phone: string({ maxLength: 20 }),
  metadata: metadata(),
  address,
  preferred_locales: array(string()),
  tax_exempt: oneOf(['exempt', 'none', 'reverse']),
  invoice_settings: object({ default_payment_method: string(), footer: string(), custom_fields: ignored(), rendering_options: ignored() }),
  shipping: ignored(),
  invoice_prefix: string({ maxLength: 12 }),
};

export interface NewCustomer {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Record<string, string> | null;
  address?: Stripe.Address | null;
  testClock?: string | null;
}

function toAddress(a: { city?: string | null; country?: string | null; line1?: string | null; line2?: string | null; postal_code?: string | null; state?: string | null } | null | undefined): Stripe.Address | null {
  if (!a) return null;
  return { city: a.city ?? null, country: a.country ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, postal_code: a.postal_code ?? null, state: a.state ?? null };
}

/** Create a customer (`customer.created`); used by the API and by Checkout. */
export function createCustomer(ctx: Ctx, input: NewCustomer, announce = true): Entry<'customer'> {
  const customer: Stripe.Customer = {
    id: ctx.id('customer'),
    object: 'customer',
    address: input.address ?? null,
    balance: 0,
    created: ctx.now,
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    invoice_prefix: newInvoicePrefix(ctx.rt.random),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: mergeMetadata({}, input.metadata),
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: input.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: input.testClock ?? null,
  };
  const entry = ctx.insert('customer', customer);
  if (announce) ctx.emit('customer.created', entry);
  return entry;
}

export function getCustomer(req: { ctx: Ctx }, id: string, param = 'customer'): Entry<'customer'> {
  const entry = req.ctx.get('customer', id);
  if (!entry) throw resourceMissing('customer', id, param);
  return entry;
}

function deletedStub(id: string): Stripe.DeletedCustomer {
  return { id, object: 'customer', deleted: true };
}

function retrieve(req: ApiRequest<unknown>): unknown {
  const id = req.path.id as string;
  const entry = req.ctx.get('customer', id);
  if (entry) return req.ctx.render(entry);
  const gone = req.rt.store.tombstone(id);
  if (gone && gone.kind === 'customer' && gone.account === req.account) return deletedStub(id);
  throw resourceMissing('customer', id);
}

export const customerRoutes: Route[] = [
  route('POST', '/v1/customers', { ...customerFields, payment_method: string(), test_clock: string(), source: ignored(), tax: ignored(), tax_id_data: ignored(), cash_balance: ignored(), balance: ignored(), coupon: ignored(), promotion_code: ignored(), next_invoice_sequence: ignored() }, (req) => {
    const p = req.params;
    const clock = p.test_clock ? mustGet(req, 'test_helpers.test_clock', p.test_clock, 'test_helpers.test_clock', 'test_clock') : null;
    const ctx = req.ctx.onClock(clock?.id);
    const wantedDefault = p.invoice_settings?.default_payment_method;
    if (wantedDefault && wantedDefault !== p.payment_method) {
      throw invalidRequest(`The customer does not have a payment method with the ID ${wantedDefault}. The payment method must be attached to the customer.`, { param: 'invoice_settings[default_payment_method]', code: 'resource_missing' });
    }
    const pm = p.payment_method ? resolvePaymentMethod(ctx, p.payment_method) : null;
    if (pm) assertAttachable(pm);
    // customer.created comes first but shows the customer as the whole call left it
    const slot = ctx.reserve();
    const customer = createCustomer(ctx, {
      email: p.email ?? null,
      name: p.name ?? null,
      description: p.description ?? null,
      phone: p.phone ?? null,
      metadata: p.metadata ?? null,
      address: toAddress(p.address),
      testClock: clock?.id ?? null,
    }, false);
    if (p.preferred_locales) customer.obj.preferred_locales = p.preferred_locales;
    let attached: Entry<'payment_method'> | null = null;
    if (pm) attached = attachPaymentMethod(ctx, pm, customer.id);
    if (wantedDefault && attached) {
      ctx.update(customer, (c) => {
        c.invoice_settings.default_payment_method = attached.id;
      });
    }
    if (p.invoice_settings?.footer) customer.obj.invoice_settings.footer = p.invoice_settings.footer;
    ctx.fill(slot, 'customer.created', customer);
    return ctx.render(customer);
  }),
  route('GET', '/v1/customers/:id', {}, retrieve),
  route('POST', '/v1/customers/:id', { ...customerFields, source: ignored(), tax: ignored(), default_source: ignored(), balance: ignored(), cash_balance: ignored(), coupon: ignored(), promotion_code: ignored(), next_invoice_sequence: ignored() }, (req) => {
    const customer = getCustomer(req, req.path.id as string, 'id');
    const ctx = req.ctx.onClock(customer.obj.test_clock as string | null);
    const p = req.params;
    const defaultPm = p.invoice_settings?.default_payment_method;
    if (defaultPm) requireAttached(ctx, defaultPm, customer.id, 'invoice_settings[default_payment_method]');
    ctx.update(customer, (c) => {
      if (p.email !== undefined) c.email = p.email;
      if (p.name !== undefined) c.name = p.name;
      if (p.description !== undefined) c.description = p.description;
      if (p.phone !== undefined) c.phone = p.phone;
      if (p.address !== undefined) c.address = toAddress(p.address);
      if (p.preferred_locales !== undefined) c.preferred_locales = p.preferred_locales ?? [];
      if (p.tax_exempt !== undefined) c.tax_exempt = p.tax_exempt ?? 'none';
      if (p.invoice_prefix) c.invoice_prefix = p.invoice_prefix;
      if (p.metadata !== undefined) c.metadata = mergeMetadata(c.metadata, p.metadata);
      if (p.invoice_settings === null) c.invoice_settings.default_payment_method = null;
      else if (p.invoice_settings) {
        if (p.invoice_settings.default_payment_method !== undefined) c.invoice_settings.default_payment_method = p.invoice_settings.default_payment_method;
        if (p.invoice_settings.footer !== undefined) c.invoice_settings.footer = p.invoice_settings.footer;
      }
    }, 'customer.updated');
    return ctx.render(customer);
  }),
  route('DELETE', '/v1/customers/:id', {}, (req) => {
    const customer = getCustomer(req, req.path.id as string, 'id');
    const ctx = req.ctx.onClock(customer.obj.test_clock as string | null);
    for (const sub of ctx.store.byIndex('subscription', ctx.account, 'customer', customer.id).slice()) {
      if (sub.obj.status !== 'canceled' && sub.obj.status !== 'incomplete_expired') cancelSubscriptionNow(ctx, sub, 'cancellation_requested');
    }
    ctx.emit('customer.deleted', customer);
    ctx.store.remove(customer);
    ctx.rt.changed();
    return deletedStub(customer.id);
  }),
  route('GET', '/v1/customers', { ...LIST, email: string({ maxLength: 512 }), created: range(), test_clock: string() }, (req) => {
    const { email, test_clock: clock } = req.params;
    const store = req.rt.store;
    const candidates = email
      ? store.byIndex('customer', req.account, 'email', email)
      : clock
        ? store.byIndex('customer', req.account, 'test_clock', clock)
        : store.all('customer', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/customers', (e) => created(e.obj.created) && (!clock || e.obj.test_clock === clock));
  }),

  // payment methods
  route('GET', '/v1/payment_methods/:id', {}, (req) => {
    const id = req.path.id as string;
    const entry = req.ctx.get('payment_method', id);
    if (entry) return req.ctx.render(entry);
    return req.ctx.render(resolvePaymentMethod(req.ctx, id, 'id'));
  }),
  route('POST', '/v1/payment_methods/:id/attach', { customer: string().req() }, (req) => {
    const customer = getCustomer(req, req.params.customer);
    const ctx = req.ctx.onClock(customer.obj.test_clock as string | null);
    const pm = resolvePaymentMethod(ctx, req.path.id as string, 'payment_method');
    return ctx.render(attachPaymentMethod(ctx, pm, customer.id));
  }),
  route('POST', '/v1/payment_methods/:id/detach', {}, (req) => {
    const pm = mustGet(req, 'payment_method', req.path.id as string, 'PaymentMethod', 'payment_method');
    detachPaymentMethod(req.ctx, pm);
    return req.ctx.render(pm);
  }),
  route('POST', '/v1/payment_methods/:id', { metadata: metadata(), billing_details: object({ email: string(), name: string(), phone: string(), address }) }, (req) => {
    const pm = mustGet(req, 'payment_method', req.path.id as string, 'PaymentMethod');
    const p = req.params;
    req.ctx.update(pm, (o) => {
      if (p.metadata !== undefined) o.metadata = mergeMetadata(o.metadata, p.metadata);
      const b = p.billing_details;
      if (b) {
        if (b.email !== undefined) o.billing_details.email = b.email;
        if (b.name !== undefined) o.billing_details.name = b.name;
        if (b.phone !== undefined) o.billing_details.phone = b.phone;
        if (b.address !== undefined) o.billing_details.address = toAddress(b.address);
      }
    }, 'payment_method.updated');
    return req.ctx.render(pm);
  }),
  route('GET', '/v1/payment_methods', { ...LIST, customer: string(), type: string() }, (req) => {
    const { customer, type } = req.params;
    if (!customer) throw invalidRequest('You must provide a customer to list payment methods.', { param: 'customer', code: 'parameter_missing', saveIdempotent: false });
    getCustomer(req, customer);
    const candidates = req.rt.store.byIndex('payment_method', req.account, 'customer', customer);
    return listResponse(req, candidates, '/v1/payment_methods', (e) => !type || e.obj.type === type);
  }),
  route('GET', '/v1/customers/:id/payment_methods', { ...LIST, type: string() }, (req) => {
    const customer = getCustomer(req, req.path.id as string, 'customer');
    const candidates = req.rt.store.byIndex('payment_method', req.account, 'customer', customer.id);
    const type = req.params.type;
    return listResponse(req, candidates, `/v1/customers/${customer.id}/payment_methods`, (e) => !type || e.obj.type === type);
  }),
];
