/**
 * The fast lane of the hot path. A GET /v1/entitlements/check whose secret
 * key and customer are both already cached in this process is answered
 * straight from the HTTP server's request event, before the framework's
 * routing, hooks and serialization. Anything else (no or unknown key, a
 * publishable key, an invalid query, a cache miss, any doubt) falls through to
 * the declared route, which stays the one definition of the behaviour,
 * errors included; a test checks both give the same answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyService } from '../apikeys/service.ts';
import type { Metrics } from '../http/metrics.ts';
import type { EntitlementService } from './service.ts';

const PATH = '/v1/entitlements/check';
const ROUTE = '/v1/entitlements/check';
const EXTERNAL_ID = /^[\x21-\x7e]{1,255}$/;
const FEATURE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export function entitlementFastLane(deps: { apiKeys: ApiKeyService; entitlements: EntitlementService; metrics: Metrics }) {
  const { apiKeys, entitlements, metrics } = deps;
  const served = metrics.counter('tollgate_entitlement_fast_lane_total', 'Entitlement checks answered from memory before routing.', []);
  /** Returns true when it answered the request. */
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (req.method !== 'GET' || !url || !url.startsWith(PATH) || url.charCodeAt(PATH.length) !== 63 /* ? */) return false;
    const auth = req.headers.authorization;
    if (!auth || !auth.startsWith('Bearer ')) return false;
    const identity = apiKeys.peek(auth.slice(7));
    if (!identity || identity.kind !== 'secret') return false;
    const started = performance.now();
    const query = new URLSearchParams(url.slice(PATH.length + 1));
    const customer = query.get('customer');
    const feature = query.get('feature');
    if (customer === null || feature === null || !EXTERNAL_ID.test(customer) || !FEATURE.test(feature)) return false;
    if (req.headers['tollgate-mode'] !== undefined) return false; // only session callers send it; let the route decide
    const result = entitlements.peek(identity.tenantId, identity.mode, customer, feature);
    if (!result) return false;
    const body = JSON.stringify(result);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
    metrics.observeRequest('GET', ROUTE, 200, (performance.now() - started) / 1000);
    served.inc();
    return true;
  };
}
