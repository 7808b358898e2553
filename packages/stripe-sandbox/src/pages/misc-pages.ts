/**
 * The sandbox's index page (`/`: what it is, its endpoints, the test cards) and the
 * hosted invoice page that invoices' `hosted_invoice_url` points to.
 */
import { html } from '../core/http.ts';
import { formatAmount } from '../core/money.ts';
import type { Entry } from '../core/store.ts';
import { TEST_CARDS } from '../resources/cards.ts';
import { date, esc, page, type PageRoute } from './layout.ts';

const CONTROL = [
  ['GET /_sandbox/clock', 'the sandbox clock; POST /_sandbox/clock/advance {"seconds"} or {"to"} moves it and runs what falls due'],
  ['GET|POST /_sandbox/accounts', 'accounts; POST {"platform_key"|"platform", "email", "business_name"} creates a connected account'],
  ['GET /_sandbox/deliveries', 'every webhook delivery attempt; POST /_sandbox/deliveries/settle waits until none is pending'],
  ['GET|POST|DELETE /_sandbox/faults', 'injected faults (API 5xx/429/latency, webhook duplicate/delay/reorder/drop)'],
  ['GET|POST /_sandbox/settings', 'retry schedules and what happens when renewal retries are exhausted'],
  ['POST /_sandbox/reset', 'forget every object, event and delivery'],
];

export const miscPages: PageRoute[] = [
  {
    method: 'GET',
    pattern: /^\/$/,
    handle(rt) {
      const cards = TEST_CARDS.map((c) => `<tr><td><code>${esc(c.token)}</code></td><td>${esc(c.label)}</td></tr>`).join('');
      const control = CONTROL.map(([path, what]) => `<tr><td><code>${esc(path)}</code></td><td>${esc(what)}</td></tr>`).join('');
      const body = `
<h1>Tollgate Stripe sandbox</h1>
<p>A stateful emulator of the part of Stripe's API Tollgate uses, for tests, the offline demo and the go-live rehearsal.
Point the official SDK at it: <code>new Stripe('sk_test_…', { host: '${esc(new URL(rt.baseUrl).hostname)}', port: ${esc(new URL(rt.baseUrl).port)}, protocol: 'http' })</code>.
Every <code>sk_test_…</code> key is its own account.</p>
<p>Sandbox clock: ${esc(new Date(rt.clock.nowMs()).toISOString())}</p>
<h2>Test payment methods</h2><table><tbody>${cards}</tbody></table>
<h2>Control endpoints (JSON)</h2><table><tbody>${control}</tbody></table>`;
      return html(200, page('Stripe sandbox', body));
    },
  },
  {
    method: 'GET',
    pattern: /^\/invoice\/(in_[A-Za-z0-9]+)(\/pdf)?$/,
    handle(rt, _req, [id]) {
      const entry = rt.store.getAny(id as string);
      if (!entry || entry.kind !== 'invoice') return html(404, page('Invoice', '<h1>Not found</h1><p class="error">No such invoice.</p>'));
      const inv = (entry as Entry<'invoice'>).obj;
      const lines = inv.lines.data.map((l) => `<tr><td>${esc(l.description)}</td><td class="amount">${esc(formatAmount(l.amount, l.currency))}</td></tr>`).join('');
      const body = `
<h1>Invoice ${esc(inv.number ?? inv.id)}</h1>
<p>Status: <strong>${esc(inv.status)}</strong> · issued ${esc(date(inv.created))}${inv.status_transitions.paid_at ? ` · paid ${esc(date(inv.status_transitions.paid_at))}` : ''}</p>
<p class="muted">${esc(inv.customer_email ?? '')}</p>
<table><tbody>${lines}</tbody><tfoot><tr><th>Total</th><th class="amount">${esc(formatAmount(inv.total, inv.currency))}</th></tr></tfoot></table>`;
      return html(200, page(`Invoice ${inv.number ?? inv.id}`, body));
    },
  },
];
