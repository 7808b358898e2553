/**
 * The demo's landing page after Checkout (`tollgate dev` only): shows what the
 * entitlement check answers for the demo customer, feature by feature, and
 * reloads itself until the payment's webhooks have unlocked something. The
 * customer token in the URL names the tenant, mode and customer, so the page
 * reveals nothing to someone without the link.
 */
import { z } from 'zod';
import type { AppServices } from '../app/services.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, refresh: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>${refresh ? '<meta http-equiv="refresh" content="2">' : ''}
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}li{margin:.25rem 0}.yes{color:#137333}.no{color:#a50e0e}code{background:#f1f3f4;padding:0 .25rem}</style>
</head><body>${body}</body></html>`;
}

export function demoRoutes(s: AppServices): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/demo/success',
      summary: "The offline demo's page after Checkout: the demo customer's entitlement checks",
      tags: ['demo'],
      access: 'public',
      hidden: true,
      query: z.object({ token: z.string().max(2048), canceled: z.string().optional(), session: z.string().max(255).optional() }),
      async handler({ query, reply }) {
        reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").type('text/html; charset=utf-8');
        let claims;
        try {
          claims = s.checkout.tokens.verify(query.token);
        } catch {
          return reply.code(401).send(page('Link expired', '<h1>This link has expired</h1><p>Restart <code>npm start</code> for a fresh checkout link.</p>', false));
        }
        const { tenantId, mode, externalId } = claims;
        // The stored entitlements rather than the check's in-memory cache: right after a payment this page shows what the ledger says now.
        const { features, held } = await s.inTenant(tenantId, async (tx) => ({
          features: await s.catalog.listFeatures(tx, tenantId),
          held: (await s.customers.find(tx, tenantId, mode, externalId)) ? (await s.entitlements.list(tx, tenantId, mode, externalId)).entitlements : [],
        }));
        const checks = features.map((f) => {
          const e = held.find((h) => h.feature === f.key);
          return { key: f.key, type: f.type, result: e ? { allowed: true, value: e.value, source: e.source } : { allowed: false, value: null, source: null } };
        });
        const unlocked = checks.some((c) => c.result.allowed && c.result.source === 'subscription');
        const items = checks
          .map(({ key, type, result }) => {
            const value = !result.allowed || type !== 'limit' ? '' : result.value === null ? ' (unlimited)' : ` (up to ${result.value})`;
            return `<li><code>${escape(key)}</code>: <span class="${result.allowed ? 'yes' : 'no'}">${result.allowed ? 'allowed' : 'not allowed'}</span>${escape(value)}</li>`;
          })
          .join('');
        const heading = query.canceled ? 'Checkout canceled' : unlocked ? 'Thanks — Pro is unlocked' : 'Waiting for Stripe…';
        const intro = query.canceled
          ? '<p>Nothing was charged. These are the customer’s entitlements now:</p>'
          : unlocked
            ? '<p>Stripe’s webhooks reached Tollgate and the entitlement check now says:</p>'
            : '<p>The payment went through; this page reloads until Stripe’s webhooks have been processed.</p>';
        const body = `<h1>${escape(heading)}</h1><p>Customer <code>${escape(externalId)}</code> (${mode} mode)</p>${intro}<ul>${items}</ul>
<p>Ask the same from your backend: <code>GET /v1/entitlements/check?customer=${escape(externalId)}&amp;feature=export_pdf</code> with the secret key.</p>`;
        return reply.send(page(heading, body, !query.canceled && !unlocked));
      },
    }),
  ];
}
