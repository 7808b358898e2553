/**
 * The app factory: takes its dependencies, registers every domain's routes and
 * returns a Fastify instance that is not listening yet. No side effects, so
 * tests build it in-process and call `app.inject`.
 */
import cookie from '@fastify/cookie';
import { createServer, type Server } from 'node:http';
import { entitlementFastLane } from '../entitlements/fast-lane.ts';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { accountRoutes } from '../accounts/routes.ts';
import { apiKeyRoutes } from '../apikeys/routes.ts';
import { healthRoutes } from '../health/routes.ts';
import type { SessionUser } from '../http/context.ts';
import { AppError, httpErrors } from '../http/errors.ts';
import { buildOpenApi } from '../http/openapi.ts';
import { registerRoute, type RouteDef } from '../http/route.ts';
import { lazyChild, redactText, type Logger } from '../log/logger.ts';
import { tenantRoutes } from '../tenants/routes.ts';
import { providerRoutes } from '../providers/routes.ts';
import { catalogRoutes } from '../catalog/routes.ts';
import { catalogSyncRoutes } from '../catalog/sync-routes.ts';
import { consoleRoutes } from '../console/routes.ts';
import { customerRoutes } from '../customers/routes.ts';
import { entitlementRoutes } from '../entitlements/routes.ts';
import { appConfigRoutes } from '../appconfig/routes.ts';
import { webhookRoutes } from '../webhooks/routes.ts';
import { billingRoutes } from '../billing/routes.ts';
import { outboundRoutes } from '../outbound/routes.ts';
import { settingsRoutes } from '../settings/routes.ts';
import { checkoutRoutes } from '../checkout/routes.ts';
import { createServices, type AppDeps, type AppServices } from './services.ts';

/** Fastify's own error codes, mapped to our stable codes. */
const FASTIFY_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => httpErrors.invalid_json(),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => httpErrors.invalid_json('The request body is empty: send a JSON object.'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => httpErrors.body_too_large(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => httpErrors.unsupported_media_type(),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => httpErrors.validation_failed('Content-Length does not match the body.'),
};

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError;
  const mapped = e?.code ? FASTIFY_ERRORS[e.code] : undefined;
  if (mapped) return mapped();
  if (e?.name === 'SyntaxError' && e.statusCode === 400) return httpErrors.invalid_json();
  if (typeof e?.statusCode === 'number' && e.statusCode === 413) return httpErrors.body_too_large();
  return httpErrors.internal();
}

export type RouteModule = (s: AppServices) => RouteDef[];

/** Request ids unique per process and cheap to make: a random prefix and a counter. */
function requestIds(): () => string {
  const prefix = `req_${Math.random().toString(36).slice(2, 8)}`;
  let n = 0;
  return () => `${prefix}${(n++).toString(36)}`;
}

/**
 * Fastify sets these on the server it makes itself but not on one a factory
 * brings: a keep-alive longer than load balancers' idle timeout (else they
 * reuse a socket we just closed), and no request or socket timeout of Node's own.
 */
function withFastifyTimeouts(server: Server): Server {
  server.keepAliveTimeout = 72_000;
  server.requestTimeout = 0;
  server.setTimeout(0);
  // Closing closes the idle keep-alive connections once; one still busy then
  // would sit idle for the whole keep-alive afterwards and hold the shutdown.
  // Until the server has closed, idle connections are closed as they appear.
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100).unref();
    return close((err?: Error) => {
      clearInterval(sweep);
      callback?.(err);
    });
  }) as Server['close'];
  return server;
}

export interface BuiltApp {
  app: FastifyInstance;
  services: AppServices;
  routes: RouteDef[];
}

export function buildApp(deps: AppDeps, extraModules: RouteModule[] = []): BuiltApp {
  const services = createServices(deps);
  const { config, logger, metrics } = deps;
  const fastLane = entitlementFastLane({ apiKeys: services.apiKeys, entitlements: services.entitlements, metrics });
  const app: FastifyInstance = Fastify({
    // Fully cached entitlement checks are answered before routing (see entitlements/fast-lane.ts).
    serverFactory: (handler) => withFastifyTimeouts(createServer((req, res) => fastLane(req, res) || handler(req, res))),
    loggerInstance: logger as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    genReqId: requestIds(),
    childLoggerFactory: (logger, bindings) => lazyChild(logger as unknown as Logger, bindings) as unknown as FastifyBaseLogger,
    // Access log lines are info-level: when they would be filtered anyway, skip building them.
    logController: new LogController({ disableRequestLogging: !['info', 'debug', 'trace'].includes(config.logLevel) }),
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.register(cookie);
  app.register(services.webhooks.plugin); // POST /webhooks/stripe/:endpointId (raw body, own limit)
  // The API speaks JSON only: any other body type is a 415, not a string to misparse.
  app.removeContentTypeParser('text/plain');

  const routes: RouteDef[] = [];
  let openapiDoc: unknown;
  const openapi = () => (openapiDoc ??= buildOpenApi(routes, { version: deps.version, serverUrl: config.publicUrl }));
  const modules: RouteModule[] = [(s) => healthRoutes(s, openapi), accountRoutes, tenantRoutes, apiKeyRoutes, providerRoutes, catalogRoutes, catalogSyncRoutes, consoleRoutes, webhookRoutes, billingRoutes, customerRoutes, entitlementRoutes, outboundRoutes, appConfigRoutes, settingsRoutes, checkoutRoutes, ...extraModules];
  for (const module of modules) routes.push(...module(services));

  const routeDeps = { auth: authenticator(services), disableAuth: config.disableAuth, idempotency: services.idempotency };
  app.register(async (scope) => {
    for (const def of routes) registerRoute(scope, def, routeDeps);
  });

  app.addHook('onClose', () => services.checkout.limiter.close());

  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.setNotFoundHandler((request, reply) => {
    const err = httpErrors.route_not_found(`No route ${request.method} ${request.url.split('?')[0]}.`);
    reply.code(404).send({ error: { code: err.code, message: err.message } });
  });

  app.setErrorHandler((err, request, reply) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      request.log.error({ err }, 'request failed');
    } else {
      request.log.info({ code: appError.code, status: appError.status }, redactText(appError.message));
    }
    if (appError.headers) reply.headers(appError.headers);
    const body: { code: string; message: string; details?: unknown } = { code: appError.code, message: appError.message };
    if (appError.details !== undefined) body.details = appError.details;
    reply.code(appError.status).send({ error: body });
  });

  return { app, services, routes };
}

function authenticator(s: AppServices) {
  return {
    apiKey: (token: string) => s.apiKeys.authenticate(token),
    session: (token: string) => s.accounts.resolveSession(token),
    tenantRole: (user: SessionUser, ref: string | undefined) => s.accounts.tenantRole(user, ref),
    devUser: () => s.accounts.devUser(),
  };
}
