/**
 * The invoice endpoints: retrieve, list (by customer, subscription, status), lines,
 * update metadata, pay (a declined card is a 402 and counts as an attempt), void and
 * mark uncollectible. Paying the open invoice of an incomplete or past-due
 * subscription makes it active again.
 */
import { invalidRequest } from '../core/errors.ts';
import { LIST, boolean, ignored, mergeMetadata, metadata, oneOf, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type Route } from '../core/router.ts';
import type { Entry } from '../core/store.ts';
import { attachPaymentMethod, resolvePaymentMethod, customerIdOf } from './cards.ts';
import { payInvoice, voidInvoice } from './invoices.ts';
import { afterInvoicePayment } from './subscriptions.ts';

function mustBeOpen(invoice: Entry<'invoice'>, verb: string): void {
  const status = invoice.obj.status;
  if (status === 'open') return;
  if (status === 'paid') throw invalidRequest('Invoice is already paid', { code: 'invoice_already_paid' });
  throw invalidRequest(`You can only ${verb} an open invoice. This invoice is ${status}.`, { code: 'invoice_not_editable' });
}

export const invoiceRoutes: Route[] = [
  route('GET', '/v1/invoices/:id', {}, (req) => req.ctx.render(mustGet(req, 'invoice', req.path.id as string, 'invoice'))),
  route('GET', '/v1/invoices', { ...LIST, customer: string(), subscription: string(), status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void']), collection_method: oneOf(['charge_automatically', 'send_invoice']), created: range(), due_date: ignored() }, (req) => {
    const { customer, subscription, status, collection_method: method } = req.params;
    const store = req.rt.store;
    const candidates = subscription
      ? store.byIndex('invoice', req.account, 'subscription', subscription)
      : customer
        ? store.byIndex('invoice', req.account, 'customer', customer)
        : store.all('invoice', req.account);
    const created = createdFilter(req.params.created);
    return listResponse(req, candidates, '/v1/invoices', (e) =>
      (!customer || e.obj.customer === customer) &&
      (!status || e.obj.status === status) &&
      (!method || e.obj.collection_method === method) &&
      created(e.obj.created));
  }),
  route('GET', '/v1/invoices/:id/lines', { ...LIST }, (req) => {
    const invoice = mustGet(req, 'invoice', req.path.id as string, 'invoice');
    const lines = invoice.obj.lines.data;
    const limit = req.params.limit ?? 10;
    let start = 0;
    if (req.params.starting_after) start = lines.findIndex((l) => l.id === req.params.starting_after) + 1;
    const page = lines.slice(start, start + limit);
    return { object: 'list', data: page, has_more: start + limit < lines.length, url: `/v1/invoices/${invoice.id}/lines` };
  }),
  route('POST', '/v1/invoices/:id', { metadata: metadata(), description: string(), footer: string(), auto_advance: boolean(), default_payment_method: string() }, (req) => {
    const invoice = mustGet(req, 'invoice', req.path.id as string, 'invoice');
    const p = req.params;
    req.ctx.update(invoice, (o) => {
      if (p.metadata !== undefined) o.metadata = mergeMetadata(o.metadata, p.metadata);
      if (p.description !== undefined) o.description = p.description;
      if (p.footer !== undefined) o.footer = p.footer;
      if (p.auto_advance !== undefined && p.auto_advance !== null) o.auto_advance = p.auto_advance;
      if (p.default_payment_method !== undefined) o.default_payment_method = p.default_payment_method;
    }, 'invoice.updated');
    return req.ctx.render(invoice);
  }),
  route('POST', '/v1/invoices/:id/pay', { payment_method: string(), off_session: boolean(), paid_out_of_band: boolean(), forgive: boolean(), source: ignored(), mandate: ignored() }, (req) => {
    const found = mustGet(req, 'invoice', req.path.id as string, 'invoice');
    const ctx = req.ctx.onClock(found.obj.test_clock as string | null);
    mustBeOpen(found, 'pay');
    const invoice = found;
    if (req.params.paid_out_of_band) {
      ctx.update(invoice, (o) => {
        o.status = 'paid';
        o.amount_paid = 0;
        o.amount_remaining = 0;
        o.next_payment_attempt = null;
        o.status_transitions.paid_at = ctx.now;
      });
      ctx.emit('invoice.paid', invoice);
      afterInvoicePayment(ctx, invoice, true);
      return ctx.render(invoice);
    }
    let pmId: string | null = null;
    if (req.params.payment_method) {
      const pm = resolvePaymentMethod(ctx, req.params.payment_method);
      const customer = invoice.obj.customer as string;
      if (!customerIdOf(pm.obj)) attachPaymentMethod(ctx, pm, customer);
      pmId = pm.id;
    }
    const result = payInvoice(ctx, invoice, pmId);
    afterInvoicePayment(ctx, invoice, result.ok);
    if (!result.ok && result.error) throw result.error;
    return ctx.render(invoice);
  }),
  route('POST', '/v1/invoices/:id/void', {}, (req) => {
    const invoice = mustGet(req, 'invoice', req.path.id as string, 'invoice');
    if (invoice.obj.status !== 'open' && invoice.obj.status !== 'uncollectible') mustBeOpen(invoice, 'void');
    voidInvoice(req.ctx, invoice);
    return req.ctx.render(invoice);
  }),
  route('POST', '/v1/invoices/:id/mark_uncollectible', {}, (req) => {
    const invoice = mustGet(req, 'invoice', req.path.id as string, 'invoice');
    mustBeOpen(invoice, 'mark as uncollectible');
    req.ctx.update(invoice, (o) => {
      o.status = 'uncollectible';
      o.next_payment_attempt = null;
      o.status_transitions.marked_uncollectible_at = req.ctx.now;
    });
    req.ctx.emit('invoice.marked_uncollectible', invoice);
    return req.ctx.render(invoice);
  }),
];
