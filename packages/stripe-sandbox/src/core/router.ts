/**
 * Routes as declarations: method, path template, parameter shape, handler. The
 * handler gets decoded, typed parameters and the operation's context, and returns
 * the object to send (the API layer applies `expand[]`). Also the list helper every
 * list endpoint uses (limit, cursors, newest first, `has_more`).
 */
import { resourceMissing } from './errors.ts';
import type { Infer, Shape } from './params.ts';
import { listOf, type ApiList, type Json } from './render.ts';
import type { Ctx, Runtime } from './runtime.ts';
import type { Entry, Kind } from './store.ts';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface Caller {
  /** The API key the request was made with. */
  key: string;
  /** The account the key itself belongs to (the platform when Stripe-Account is used). */
  keyAccount: string;
}

export interface ApiRequest<P> {
  rt: Runtime;
  ctx: Ctx;
  /** The account the request acts on (Stripe-Account, or the key's own). */
  account: string;
  caller: Caller;
  params: P;
  path: Record<string, string>;
}

export interface Route {
  method: Method;
  path: string;
  params: Shape;
  handler(req: ApiRequest<any>): unknown;
}

export function route<S extends Shape>(method: Method, path: string, params: S, handler: (req: ApiRequest<Infer<S>>) => unknown): Route {
  return { method, path, params, handler };
}

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

export class Router {
  private readonly compiled: CompiledRoute[] = [];

  add(routes: Route[]): void {
    for (const r of routes) {
      const names: string[] = [];
      const pattern = r.path
        .split('/')
        .map((seg) => {
          if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(seg.slice(1));
          return '([^/]+)';
        })
        .join('/');
      this.compiled.push({ route: r, regex: new RegExp(`^${pattern}$`), names });
    }
  }

  match(method: string, path: string): { route: Route; path: Record<string, string> } | null {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.regex.exec(path);
      if (!m) continue;
      const values: Record<string, string> = {};
      let ok = true;
      c.names.forEach((name, i) => {
        try {
          values[name] = decodeURIComponent(m[i + 1] ?? '');
        } catch {
          ok = false;
        }
      });
      if (ok) return { route: c.route, path: values };
    }
    return null;
  }
}

export interface ListParams {
  limit?: number | null;
  starting_after?: string | null;
  ending_before?: string | null;
}

function cursorSeq(req: ApiRequest<unknown>, id: string, param: string): number {
  const entry = req.rt.store.getAny(id);
  if (!entry || entry.account !== req.account) throw resourceMissing('object', id, param);
  return entry.seq;
}

/** A Stripe list envelope over `candidates` (oldest first), filtered and paginated. */
export function listResponse<K extends Kind>(
  req: ApiRequest<ListParams>,
  candidates: Entry<K>[],
  url: string,
  filter?: (e: Entry<K>) => boolean,
): ApiList<Json> {
  const p = req.params;
  const opts = {
    limit: p.limit ?? 10,
    ...(p.starting_after ? { startingAfter: cursorSeq(req, p.starting_after, 'starting_after') } : {}),
    ...(p.ending_before ? { endingBefore: cursorSeq(req, p.ending_before, 'ending_before') } : {}),
  };
  const page = req.rt.store.page(candidates, opts, filter);
  return listOf(req.ctx.view, page.data, url, page.hasMore);
}

/** `created` filters as Stripe takes them: exact or gt/gte/lt/lte. */
export function createdFilter(created: number | { gt?: number | null; gte?: number | null; lt?: number | null; lte?: number | null } | null | undefined): (t: number) => boolean {
  if (created === null || created === undefined) return () => true;
  if (typeof created === 'number') return (t) => t === created;
  return (t) =>
    (created.gt == null || t > created.gt) &&
    (created.gte == null || t >= created.gte) &&
    (created.lt == null || t < created.lt) &&
    (created.lte == null || t <= created.lte);
}

/** Fetch an entry of this account or throw Stripe's 404. */
export function mustGet<K extends Kind>(req: { ctx: Ctx }, kind: K, id: string, noun: string, param = 'id'): Entry<K> {
  const entry = req.ctx.get(kind, id);
  if (!entry) throw resourceMissing(noun, id, param);
  return entry;
}
