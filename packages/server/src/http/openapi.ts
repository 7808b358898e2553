/**
 * Builds the OpenAPI 3.0 document from the route declarations: the same zod
 * schemas that validate requests describe them here.
 */
import { z } from 'zod';
import type { RouteDef } from './route.ts';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const doc = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (doc.required ?? []).includes(name),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: prop,
  }));
}

function security(def: RouteDef) {
  if (def.access === 'public') return [];
  if (def.access === 'user') return [{ session: [] }];
  const out: Record<string, string[]>[] = [];
  const keys = def.access.keys ?? ['secret'];
  if (keys.includes('secret')) out.push({ secretKey: [] });
  if (keys.includes('publishable')) out.push({ publishableKey: [] });
  if (def.access.session !== false) out.push({ session: [] });
  return out;
}

/** Paths served outside the route declarations (raw-body plugins), described by hand. */
const EXTRA_PATHS: Record<string, Record<string, unknown>> = {
  '/webhooks/stripe/{endpoint_id}': {
    post: {
      summary: 'Stripe webhook intake for one tenant and mode (register this URL in Stripe, or let PUT /v1/providers/stripe/{mode} do it)',
      tags: ['webhooks'],
      security: [],
      parameters: [
        { name: 'endpoint_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        { name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' }, description: 't=…,v1=… over the raw body' },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'A Stripe event' } } } },
      responses: {
        '200': { description: 'Stored (or already stored: `duplicate: true`); processing happens after the answer' },
        '400': { description: 'Missing or bad signature, not a Stripe event, or livemode contradicting the endpoint' },
        '404': { description: 'Unknown endpoint id' },
        '413': { description: 'Body over TOLLGATE_WEBHOOK_BODY_LIMIT' },
        '503': { description: 'Not stored (database unavailable): Stripe retries' },
      },
    },
  },
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Any unique string (e.g. a UUID): copies of this request within 24 h get the first answer again, with Idempotent-Replayed: true',
  schema: { type: 'string', maxLength: 255 },
};

export function buildOpenApi(routes: readonly RouteDef[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = { ...EXTRA_PATHS };
  for (const def of routes) {
    if (def.hidden) continue;
    const path = def.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const status = String(def.status ?? 200);
    const operation: Record<string, unknown> = {
      summary: def.summary,
      tags: def.tags ?? [],
      security: security(def),
      parameters: [...parameters(def.params, 'path'), ...parameters(def.query, 'query'), ...(def.method !== 'GET' && typeof def.access === 'object' ? [IDEMPOTENCY_KEY] : [])],
      responses: {
        [status]: {
          description: 'Success',
          ...(def.response ? { content: { 'application/json': { schema: jsonSchema(def.response, 'output') } } } : {}),
        },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (def.body) operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(def.body, 'input') } } };
    (paths[path] ??= {})[def.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Tollgate API',
      version: info.version,
      description: 'Billing and entitlements control plane. Errors are `{"error": {"code", "message", "details"?}}` with a stable code.',
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'A secret API key (tg_sk_test_… or tg_sk_live_…), for your backend only.' },
        publishableKey: { type: 'http', scheme: 'bearer', description: 'A publishable API key (tg_pk_test_… or tg_pk_live_…), safe in apps.' },
        session: { type: 'apiKey', in: 'cookie', name: 'tollgate_session', description: 'Console session; writes also need the X-CSRF-Token header.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
  };
}
