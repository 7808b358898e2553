/**
 * Routes are declarations: method, path, who may call, the zod schemas of the
 * input and output, and a handler that calls a service. This module turns a
 * declaration into a Fastify route (authentication, CSRF, validation) and the
 * same declarations feed the OpenAPI document, so docs and validation agree.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Permission } from '../tenants/roles.ts';
import { roleAllows } from '../tenants/roles.ts';
import type { ApiKeyKind, Authenticator, Mode, SessionUser, TenantScope } from './context.ts';
import { AppError, httpErrors } from './errors.ts';
import type { Claim, Idempotency } from '../idempotency/service.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * - `public`: anyone.
 * - `user`: a signed-in console user (no tenant needed).
 * - an object: a tenant context, from an API key of an allowed kind, or from a
 *   console session whose role in the tenant has `permission`.
 */
export type Access = 'public' | 'user' | { permission: Permission; keys?: readonly ApiKeyKind[]; session?: boolean };

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The tenant, mode and actor; present on tenant routes. */
  scope: TenantScope;
  /** The console user; present on `user` routes and session-authenticated tenant routes. */
  user: SessionUser;
}

export interface RouteDef<B extends Schema | undefined = any, Q extends Schema | undefined = any, P extends Schema | undefined = any> {
  method: HttpMethod;
  url: string;
  summary: string;
  tags?: string[];
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Schema of the success body, for the OpenAPI document. */
  response?: Schema;
  /** Success status (default 200; a handler returning undefined answers 204). */
  status?: number;
  /** Leave out of the OpenAPI document (console-internal routes). */
  hidden?: boolean;
  handler(ctx: RouteContext<Infer<B>, Infer<Q>, Infer<P>>): Promise<unknown> | unknown;
}

export function defineRoute<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, P extends Schema | undefined = undefined>(
  def: RouteDef<B, Q, P>,
): RouteDef<B, Q, P> {
  return def;
}

export const SESSION_COOKIE = 'tollgate_session';
export const CSRF_HEADER = 'x-csrf-token';
export const TENANT_HEADER = 'tollgate-tenant';
export const MODE_HEADER = 'tollgate-mode';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Reads an API key from `Authorization: Bearer …` or `X-Api-Key`. */
export function apiKeyFrom(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match) return match[1];
  }
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key ? key : undefined;
}

function zodDetails(error: z.ZodError, where: string) {
  return error.issues.map((issue) => ({
    in: where,
    path: issue.path.join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

function parsePart<S extends Schema | undefined>(schema: S, value: unknown, where: string): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) {
    const details = zodDetails(result.error, where);
    const first = details[0];
    throw httpErrors.validation_failed(
      first ? `Invalid ${where}${first.path ? ` field "${first.path}"` : ''}: ${first.message}` : `Invalid ${where}.`,
      details,
    );
  }
  return result.data as Infer<S>;
}

function requireField<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new AppError('internal', 500, `route used ctx.${name} without declaring access for it`);
  return value;
}

function modeFrom(request: FastifyRequest): Mode {
  const raw = request.headers[MODE_HEADER];
  if (raw === undefined) return 'test';
  if (raw === 'test' || raw === 'live') return raw;
  throw httpErrors.validation_failed(`Header Tollgate-Mode must be "test" or "live".`);
}

export interface RouteDeps {
  auth: Authenticator;
  disableAuth: boolean;
  /** Replays of writes sent with an Idempotency-Key. */
  idempotency?: Idempotency;
}

async function sessionUser(request: FastifyRequest, deps: RouteDeps): Promise<SessionUser | null> {
  const token = request.cookies?.[SESSION_COOKIE];
  if (token) {
    const user = await deps.auth.session(token);
    if (user) {
      if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] !== user.csrfToken) throw httpErrors.csrf_failed();
      return user;
    }
  }
  if (deps.disableAuth && deps.auth.devUser) return deps.auth.devUser();
  return null;
}

async function resolveTenantScope(request: FastifyRequest, access: Exclude<Access, 'public' | 'user'>, deps: RouteDeps) {
  const token = apiKeyFrom(request);
  if (token) {
    const key = await deps.auth.apiKey(token);
    if (!key) throw httpErrors.invalid_api_key('The API key is not valid or was revoked.');
    const kinds = access.keys ?? ['secret'];
    if (!kinds.includes(key.kind)) {
      throw httpErrors.forbidden(
        key.kind === 'publishable'
          ? 'A publishable key cannot call this endpoint: use a secret key from your backend.'
          : 'This endpoint takes a publishable key.',
      );
    }
    const scope: TenantScope = { tenantId: key.tenantId, mode: key.mode, actor: { type: 'api_key', keyId: key.keyId, kind: key.kind } };
    return { scope, user: undefined };
  }
  if (access.session === false) throw httpErrors.unauthenticated('Send an API key as "Authorization: Bearer <key>".');
  const user = await sessionUser(request, deps);
  if (!user) throw httpErrors.unauthenticated('Send an API key as "Authorization: Bearer <key>" or sign in.');
  const tenantHeader = request.headers[TENANT_HEADER];
  const membership = await deps.auth.tenantRole(user, typeof tenantHeader === 'string' ? tenantHeader : undefined);
  if (!membership) {
    throw tenantHeader
      ? httpErrors.not_found('No such tenant, or you are not a member of it.')
      : httpErrors.validation_failed('You belong to several tenants (or none): name one in the Tollgate-Tenant header.');
  }
  if (!roleAllows(membership.role, access.permission)) {
    throw httpErrors.forbidden(`Your role (${membership.role}) does not allow ${access.permission}.`);
  }
  const scope: TenantScope = {
    tenantId: membership.tenantId,
    mode: modeFrom(request),
    actor: { type: 'user', userId: user.userId, email: user.email, role: membership.role },
  };
  return { scope, user };
}

/**
 * A tenant-scoped write sent with an Idempotency-Key claims the key first
 * (see idempotency/service.ts): either this request holds it, or the stored
 * answer of the first one is replayed.
 */
async function claimIdempotencyKey(request: FastifyRequest, def: RouteDef, scope: TenantScope | undefined, deps: RouteDeps): Promise<Claim | undefined> {
  const key = request.headers['idempotency-key'];
  if (key === undefined || !scope || !deps.idempotency || def.method === 'GET') return undefined;
  return deps.idempotency.claim(scope, Array.isArray(key) ? '' : key, { method: def.method, url: request.url, body: request.body });
}

export function registerRoute(app: FastifyInstance, def: RouteDef, deps: RouteDeps): void {
  const { access } = def;
  app.route({
    method: def.method,
    url: def.url,
    handler: async (request, reply) => {
      let scope: TenantScope | undefined;
      let user: SessionUser | undefined;
      if (access === 'user') {
        user = (await sessionUser(request, deps)) ?? undefined;
        if (!user) throw httpErrors.unauthenticated('Sign in first.');
      } else if (access !== 'public') {
        const resolved = await resolveTenantScope(request, access, deps);
        scope = resolved.scope;
        user = resolved.user;
      }
      const ctx = {
        params: parsePart(def.params, request.params, 'path'),
        query: parsePart(def.query, request.query, 'query'),
        body: parsePart(def.body, request.body, 'body'),
        request,
        reply,
        get scope() {
          return requireField(scope, 'scope');
        },
        get user() {
          return requireField(user, 'user');
        },
      };
      const claim = await claimIdempotencyKey(request, def, scope, deps);
      if (claim && 'replay' in claim) {
        const { statusCode, body } = claim.replay;
        reply.code(statusCode).header('idempotent-replayed', 'true');
        return statusCode === 204 ? reply.send() : reply.send(body);
      }
      const key = claim?.held;
      let result: unknown;
      try {
        result = await def.handler(ctx);
      } catch (err) {
        await key?.release().catch(() => undefined);
        throw err;
      }
      if (reply.sent) {
        await key?.release().catch(() => undefined);
        return reply;
      }
      const status = result === undefined ? (def.status === undefined || def.status === 200 ? 204 : def.status) : reply.statusCode !== 200 ? reply.statusCode : (def.status ?? 200);
      await key?.complete(status, result ?? null);
      return status === 204 ? reply.code(204).send() : reply.code(status).send(result);
    },
  });
}
