/**
 * The hosted customer portal (`/portal/bps_…`): the customer's subscriptions with
 * cancel (at period end or immediately, per configuration) and renew buttons, the
 * invoice history, and the card on file with a form to replace it. Forms post an
 * `action` back to the same URL: `cancel` (+ `subscription`, optional `reason`)
 * answers 303 to `return_url`; `renew` and `update_payment_method`
 * (+ `payment_method`) answer 303 back to the portal page.
 */
import type Stripe from 'stripe';
import { html, redirect, type HttpResponse } from '../core/http.ts';
import { formatAmount } from '../core/money.ts';
import type { Runtime } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { TEST_CARDS } from '../resources/cards.ts';
import { runPortalAction, type PortalAction } from '../resources/portal.ts';
import { date, esc, formFields, page, type PageRoute } from './layout.ts';

interface Loaded {
  session: Entry<'billing_portal.session'>;
  config: Stripe.BillingPortal.Configuration;
}

function load(rt: Runtime, id: string): Loaded | null {
  const entry = rt.store.getAny(id);
  if (!entry || entry.kind !== 'billing_portal.session') return null;
  const session = entry as Entry<'billing_portal.session'>;
  const config = rt.store.get('billing_portal.configuration', session.account, session.obj.configuration as string);
  return config ? { session, config: config.obj } : null;
}

const NOTICES: Record<string, string> = {
  canceled: 'Your subscription was canceled.',
  renewed: 'Your subscription will renew.',
  card_updated: 'Your payment method was updated.',
};

function render(rt: Runtime, { session, config }: Loaded, notice: string | null, error: string | null, status = 200): HttpResponse {
  const account = session.account;
  const s = session.obj;
  const store = rt.store;
  const customer = store.get('customer', account, s.customer);
  const subs = store.byIndex('subscription', account, 'customer', s.customer).slice().reverse();
  const cancel = config.features.subscription_cancel;
  const subRows = subs.map((sub) => {
    const o = sub.obj;
    const item = o.items.data[0];
    const product = item ? store.get('product', account, item.price.product as string)?.obj.name : '';
    const price = item ? `${formatAmount(item.price.unit_amount ?? 0, item.price.currency)} / ${item.price.recurring?.interval ?? ''}` : '';
    const live = o.status !== 'canceled' && o.status !== 'incomplete_expired';
    let actions = '';
    if (live && cancel.enabled && !o.cancel_at_period_end) {
      actions = `<form method="post"><input type="hidden" name="action" value="cancel"><input type="hidden" name="subscription" value="${esc(o.id)}"><button type="submit" class="secondary">Cancel ${cancel.mode === 'immediately' ? 'now' : 'at period end'}</button></form>`;
    } else if (live && o.cancel_at_period_end) {
      actions = `<form method="post"><input type="hidden" name="action" value="renew"><input type="hidden" name="subscription" value="${esc(o.id)}"><button type="submit">Renew</button></form>`;
    }
    const until = o.cancel_at_period_end ? `Cancels ${date(o.cancel_at)}` : live ? `Renews ${date(item?.current_period_end)}` : `Ended ${date(o.ended_at)}`;
    return `<tr><td>${esc(product)}<br><span class="muted">${esc(price)}</span></td><td>${esc(o.status)}<br><span class="muted">${esc(until)}</span></td><td>${actions}</td></tr>`;
  }).join('');
  const invoices = config.features.invoice_history.enabled
    ? store.byIndex('invoice', account, 'customer', s.customer).slice().reverse().filter((i) => i.obj.status !== 'draft').map((i) =>
      `<tr><td>${esc(date(i.obj.created))}</td><td>${esc(i.obj.number)}</td><td>${esc(i.obj.status)}</td><td class="amount">${esc(formatAmount(i.obj.total, i.obj.currency))}</td><td>${i.obj.hosted_invoice_url ? `<a href="${esc(i.obj.hosted_invoice_url)}">View</a>` : ''}</td></tr>`).join('')
    : '';
  const pmId = customer?.obj.invoice_settings.default_payment_method as string | null | undefined;
  const pm = pmId ? store.get('payment_method', account, pmId)?.obj : store.byIndex('payment_method', account, 'customer', s.customer).at(-1)?.obj;
  const cards = TEST_CARDS.filter((c) => c.behavior !== 'decline').map((c, i) => `<label><input type="radio" name="payment_method" value="${esc(c.token)}"${i === 0 ? ' checked' : ''}> ${esc(c.label)}</label>`).join('');
  const body = `
<h1>Manage your billing</h1>
<p class="muted">${esc(customer?.obj.email ?? s.customer)}</p>
${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<h2>Subscriptions</h2>
${subRows ? `<table><tbody>${subRows}</tbody></table>` : '<p class="muted">No subscriptions.</p>'}
${config.features.payment_method_update.enabled ? `<h2>Payment method</h2>
<p>${pm?.card ? `${esc(pm.card.brand)} •••• ${esc(pm.card.last4)}, expires ${esc(pm.card.exp_month)}/${esc(pm.card.exp_year)}` : 'No card on file.'}</p>
<form method="post"><input type="hidden" name="action" value="update_payment_method">${cards}<button type="submit">Update card</button></form>` : ''}
${config.features.invoice_history.enabled ? `<h2>Invoice history</h2>${invoices ? `<table><tbody>${invoices}</tbody></table>` : '<p class="muted">No invoices yet.</p>'}` : ''}
${s.return_url ? `<p><a href="${esc(s.return_url)}">Return</a></p>` : ''}`;
  return html(status, page('Billing portal', body));
}

export const portalPages: PageRoute[] = [
  {
    method: 'GET',
    pattern: /^\/portal\/(bps_[A-Za-z0-9]+)$/,
    handle(rt, req, [id]) {
      const loaded = load(rt, id as string);
      if (!loaded) return html(404, page('Billing portal', '<h1>Not found</h1><p class="error">No such portal session.</p>'));
      const notice = NOTICES[req.url.searchParams.get('notice') ?? ''] ?? null;
      return render(rt, loaded, notice, null);
    },
  },
  {
    method: 'POST',
    pattern: /^\/portal\/(bps_[A-Za-z0-9]+)$/,
    handle(rt, req, [id]) {
      const loaded = load(rt, id as string);
      if (!loaded) return html(404, page('Billing portal', '<h1>Not found</h1><p class="error">No such portal session.</p>'));
      const form = formFields(req.body);
      let act: PortalAction | null = null;
      if (form.action === 'cancel' && form.subscription) act = { action: 'cancel', subscription: form.subscription, reason: form.reason ?? null };
      else if (form.action === 'renew' && form.subscription) act = { action: 'renew', subscription: form.subscription };
      else if (form.action === 'update_payment_method' && form.payment_method) act = { action: 'update_payment_method', paymentMethod: form.payment_method };
      if (!act) return render(rt, loaded, null, 'Unknown action.', 400);
      const ctx = rt.ctx(loaded.session.account);
      let error: string | null;
      try {
        error = runPortalAction(ctx, loaded.session.obj, loaded.config, act);
      } finally {
        ctx.commit();
      }
      if (error) return render(rt, loaded, null, error, 400);
      const self = `/portal/${loaded.session.id}`;
      if (act.action === 'cancel') return redirect(loaded.session.obj.return_url ?? `${self}?notice=canceled`);
      return redirect(`${self}?notice=${act.action === 'renew' ? 'renewed' : 'card_updated'}`);
    },
  },
];
