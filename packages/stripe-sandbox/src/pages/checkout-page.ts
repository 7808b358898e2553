/**
 * The hosted Checkout page (`/checkout/cs_test_…`): line items, total, an email
 * field when the session has no customer, and a choice of test cards. The form
 * posts `payment_method` (e.g. `pm_card_visa`) back to the same URL; success is a
 * 303 to `success_url`, a decline re-renders the page with the error (402).
 */
import type Stripe from 'stripe';
import { html, redirect, type HttpResponse } from '../core/http.ts';
import { formatAmount } from '../core/money.ts';
import type { Runtime } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { TEST_CARDS } from '../resources/cards.ts';
import { completeSession, expireIfDue } from '../resources/checkout.ts';
import { esc, formFields, page, type PageRoute } from './layout.ts';

function findSession(rt: Runtime, id: string): Entry<'checkout.session'> | undefined {
  const entry = rt.store.getAny(id);
  return entry && entry.kind === 'checkout.session' ? (entry as Entry<'checkout.session'>) : undefined;
}

function render(rt: Runtime, session: Entry<'checkout.session'>, error: string | null, status = 200): HttpResponse {
  const s = session.obj;
  const items = s.line_items?.data ?? [];
  const rows = items.map((li) => {
    const price = li.price as Stripe.Price;
    const every = price.recurring ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ''}${price.recurring.interval}` : '';
    return `<tr><td>${esc(li.description)} × ${esc(li.quantity)}</td><td class="amount">${esc(formatAmount(li.amount_total, li.currency))}${esc(every)}</td></tr>`;
  }).join('');
  const customer = s.customer ? rt.store.get('customer', session.account, s.customer as string) : undefined;
  const email = customer?.obj.email ?? s.customer_email;
  if (s.status !== 'open') {
    const complete = s.status === 'complete';
    const message = error ?? (complete ? 'This Checkout Session is complete. Thank you!' : 'This Checkout Session has expired.');
    const code = error ? status : complete ? 200 : 410;
    return html(code, page('Checkout', `<h1>Checkout</h1><p class="${complete && !error ? 'notice' : 'error'}" role="alert">${esc(message)}</p>`));
  }
  const cards = TEST_CARDS.map((c, i) => `<label><input type="radio" name="payment_method" value="${esc(c.token)}"${i === 0 ? ' checked' : ''}> ${esc(c.label)} <span class="muted">(${esc(c.token)}, •••• ${esc(c.last4)})</span></label>`).join('\n');
  const body = `
<h1>${s.mode === 'subscription' ? 'Subscribe' : 'Pay'}</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<table><thead><tr><th>Item</th><th class="amount">Amount</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th>Total due today</th><th class="amount">${esc(formatAmount(s.amount_total ?? 0, s.currency ?? 'usd'))}</th></tr></tfoot></table>
<form method="post" action="/checkout/${esc(s.id)}">
  <h2>Contact</h2>
  ${email ? `<p>${esc(email)}</p>` : '<label>Email <input type="email" name="email" required autocomplete="email"></label>'}
  <label>Name on card <input type="text" name="name" autocomplete="cc-name"></label>
  <h2>Test card</h2>
  ${cards}
  <button type="submit">${s.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
</form>
${s.cancel_url ? `<p><a href="${esc(s.cancel_url)}">Cancel and go back</a></p>` : ''}
<p class="muted">Session ${esc(s.id)}</p>`;
  return html(status, page('Checkout', body));
}

export const checkoutPages: PageRoute[] = [
  {
    method: 'GET',
    pattern: /^\/checkout\/(cs_test_[A-Za-z0-9]+)$/,
    handle(rt, _req, [id]) {
      const session = findSession(rt, id as string);
      if (!session) return html(404, page('Checkout', '<h1>Not found</h1><p class="error">No such Checkout Session.</p>'));
      const ctx = rt.ctx(session.account);
      expireIfDue(ctx, session);
      ctx.commit();
      return render(rt, session, null);
    },
  },
  {
    method: 'POST',
    pattern: /^\/checkout\/(cs_test_[A-Za-z0-9]+)$/,
    handle(rt, req, [id]) {
      const session = findSession(rt, id as string);
      if (!session) return html(404, page('Checkout', '<h1>Not found</h1><p class="error">No such Checkout Session.</p>'));
      const form = formFields(req.body);
      const ctx = rt.ctx(session.account);
      try {
        const outcome = completeSession(ctx, session, { paymentMethod: form.payment_method ?? '', email: form.email?.trim() || null, name: form.name?.trim() || null });
        ctx.commit();
        if (outcome.ok) {
          return outcome.redirect ? redirect(outcome.redirect) : html(200, page('Checkout', '<h1>Thank you</h1><p class="notice">Your payment succeeded.</p>'));
        }
        return render(rt, session, outcome.message, outcome.status);
      } catch (err) {
        ctx.commit();
        return render(rt, session, err instanceof Error ? err.message : String(err), 400);
      }
    },
  },
];
