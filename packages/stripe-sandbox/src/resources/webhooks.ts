/**
 * Webhook endpoints (the `whsec_…` secret is shown once, on create; `connect: true`
 * endpoints receive the events of the platform's connected accounts) and the events
 * API (retrieve; list by type — with `*` wildcards — types and created range).
 */
import type Stripe from 'stripe';
import { invalidRequest } from '../core/errors.ts';
import { EVENT_TYPES } from '../core/event-types.ts';
import { LIST, array, boolean, ignored, mergeMetadata, metadata, range, string } from '../core/params.ts';
import { createdFilter, listResponse, mustGet, route, type Route } from '../core/router.ts';
import type { Ctx } from '../core/runtime.ts';

const KNOWN_EVENTS = new Set<string>(EVENT_TYPES);

function checkEvents(events: string[]): string[] {
  if (events.length === 0) throw invalidRequest('Missing required param: enabled_events.', { param: 'enabled_events', code: 'parameter_missing', saveIdempotent: false });
  events.forEach((e, i) => {
    if (e !== '*' && !KNOWN_EVENTS.has(e)) {
      throw invalidRequest(`Invalid enabled_events[${i}]: must be one of ${'*'}, or a Stripe event type (got ${e})`, { param: `enabled_events[${i}]`, code: 'parameter_invalid_enum', saveIdempotent: false });
    }
  });
  return [...new Set(events)];
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: ${url}`, { param: 'url', code: 'url_invalid', saveIdempotent: false });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidRequest(`Invalid URL: ${url}. URLs must begin with http or https.`, { param: 'url', code: 'url_invalid', saveIdempotent: false });
  return url;
}

function newSecret(ctx: Ctx): string {
  return `whsec_${ctx.id('secret')}`;
}

export const webhookRoutes: Route[] = [
  route('POST', '/v1/webhook_endpoints', {
    url: string().req(),
    enabled_events: array(string()).req(),
    description: string(),
    metadata: metadata(),
    connect: boolean(),
    api_version: string(),
  }, (req) => {
    const { ctx, params: p } = req;
    const secret = newSecret(ctx);
    const endpoint: Stripe.WebhookEndpoint = {
      id: ctx.id('webhookEndpoint'),
      object: 'webhook_endpoint',
      api_version: p.api_version ?? null,
      application: null,
      created: ctx.now,
      description: p.description ?? null,
      enabled_events: checkEvents(p.enabled_events),
      livemode: false,
      metadata: mergeMetadata({}, p.metadata),
      status: 'enabled',
      url: checkUrl(p.url),
    };
    const entry = ctx.insert('webhook_endpoint', endpoint);
    entry.meta.secret = secret;
    entry.meta.connect = p.connect ?? false;
    return { ...ctx.render(entry), secret };
  }),
  route('GET', '/v1/webhook_endpoints/:id', {}, (req) => req.ctx.render(mustGet(req, 'webhook_endpoint', req.path.id as string, 'webhook endpoint'))),
  route('POST', '/v1/webhook_endpoints/:id', {
    url: string(),
    enabled_events: array(string()),
    description: string(),
    metadata: metadata(),
    disabled: boolean(),
  }, (req) => {
    const endpoint = mustGet(req, 'webhook_endpoint', req.path.id as string, 'webhook endpoint');
    const p = req.params;
    const events = p.enabled_events ? checkEvents(p.enabled_events) : undefined;
    const url = p.url ? checkUrl(p.url) : undefined;
    req.ctx.update(endpoint, (o) => {
      if (events) o.enabled_events = events;
      if (url) o.url = url;
      if (p.description !== undefined) o.description = p.description;
      if (p.metadata !== undefined) o.metadata = mergeMetadata(o.metadata, p.metadata);
      if (p.disabled !== undefined && p.disabled !== null) o.status = p.disabled ? 'disabled' : 'enabled';
    });
    return req.ctx.render(endpoint);
  }),
  route('DELETE', '/v1/webhook_endpoints/:id', {}, (req) => {
    const endpoint = mustGet(req, 'webhook_endpoint', req.path.id as string, 'webhook endpoint');
    req.rt.store.remove(endpoint);
    req.rt.changed();
    return { id: endpoint.id, object: 'webhook_endpoint', deleted: true } satisfies Stripe.DeletedWebhookEndpoint;
  }),
  route('GET', '/v1/webhook_endpoints', { ...LIST }, (req) => listResponse(req, req.rt.store.all('webhook_endpoint', req.account), '/v1/webhook_endpoints')),

  route('GET', '/v1/events/:id', {}, (req) => req.ctx.render(mustGet(req, 'event', req.path.id as string, 'event'))),
  route('GET', '/v1/events', { ...LIST, type: string(), types: array(string(), { max: 20 }), created: range(), delivery_success: boolean(), ending_before_created: ignored() }, (req) => {
    const { type, types } = req.params;
    if (type && types) throw invalidRequest('You may only specify one of these parameters: type, types.', { param: 'type', saveIdempotent: false });
    const store = req.rt.store;
    const created = createdFilter(req.params.created);
    const wildcard = type?.includes('*') ? new RegExp(`^${type.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`) : null;
    const typeSet = types ? new Set(types) : null;
    const candidates = type && !wildcard ? store.byIndex('event', req.account, 'type', type) : store.all('event', req.account);
    const success = req.params.delivery_success;
    return listResponse(req, candidates, '/v1/events', (e) =>
      (!wildcard || wildcard.test(e.obj.type)) &&
      (!typeSet || typeSet.has(e.obj.type)) &&
      (success == null || (e.obj.pending_webhooks === 0) === success) &&
      created(e.obj.created));
  }),
];

