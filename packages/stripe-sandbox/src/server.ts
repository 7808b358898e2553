/**
 * The HTTP front door: `/v1/*` and the OAuth token endpoints go through the API
 * pipeline, `/_sandbox/*` to the control endpoints, the rest to the hosted pages.
 * Oversized bodies get a 413 and anything unexpected a 500 in Stripe's error shape —
 * the server keeps answering whatever it is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleApi, type ResponseInfo } from './core/api.ts';
import { routeNotFound } from './core/errors.ts';
import { BodyTooLarge, json, readBody, send, type HttpRequest, type HttpResponse } from './core/http.ts';
import type { Router } from './core/router.ts';
import { handleControl } from './control.ts';
import type { PageRoute } from './pages/layout.ts';
import type { SandboxInternals } from './sandbox.ts';

function isApiPath(path: string): boolean {
  return path.startsWith('/v1/') || path === '/v1' || path === '/oauth/token' || path === '/oauth/deauthorize';
}

async function dispatch(sb: SandboxInternals, router: Router, pages: PageRoute[], req: HttpRequest, onResponse?: (info: ResponseInfo) => void): Promise<HttpResponse> {
  const path = req.url.pathname;
  if (isApiPath(path)) return handleApi(sb.rt, router, req, onResponse);
  if (path === '/_sandbox' || path.startsWith('/_sandbox/')) return handleControl(sb, req);
  for (const p of pages) {
    if (p.method !== req.method) continue;
    const m = p.pattern.exec(path);
    if (m) return p.handle(sb.rt, req, m.slice(1));
  }
  const err = routeNotFound(req.method, path);
  return json(404, { error: err.body });
}

export function createRequestHandler(sb: SandboxInternals, router: Router, pages: PageRoute[], onResponse?: (info: ResponseInfo) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      let response: HttpResponse;
      try {
        const body = await readBody(req);
        const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
        response = await dispatch(sb, router, pages, { method: (req.method ?? 'GET').toUpperCase(), url, headers: req.headers, body }, onResponse);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          response = json(413, { error: { type: 'invalid_request_error', message: 'The request body is too large (the limit is 1 MB).' } });
        } else {
          response = json(500, { error: { type: 'api_error', message: `An unexpected error occurred in the Stripe sandbox: ${err instanceof Error ? err.message : String(err)}` } });
        }
      }
      send(res, response);
    })();
  };
}
