/** Console account routes: sign-up, sign-in, sign-out, who am I, sessions. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppServices } from '../app/services.ts';
import { apiKeyFrom, defineRoute, SESSION_COOKIE, type RouteDef } from '../http/route.ts';
import { httpErrors } from '../http/errors.ts';
import type { SignedIn } from './service.ts';
import { loginBody, meResponse, sessionIdParams, sessionResponse, signupBody } from './schemas.ts';

function clientInfo(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

export function accountRoutes(s: AppServices): RouteDef[] {
  const secureCookie = s.config.publicUrl.startsWith('https://');

  function setSession(reply: FastifyReply, signedIn: SignedIn) {
    reply.setCookie(SESSION_COOKIE, signedIn.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookie,
      path: '/',
      // Relative lifetime: a client clock that differs from the server's must not expire it early.
      maxAge: Math.max(0, Math.floor((signedIn.expiresAt.getTime() - s.clock.now().getTime()) / 1000)),
    });
    return signedIn.body;
  }

  return [
    defineRoute({
      method: 'POST',
      url: '/api/auth/signup',
      summary: 'Create a console account and sign in',
      tags: ['accounts'],
      access: 'public',
      body: signupBody,
      response: sessionResponse,
      status: 201,
      async handler({ body, request, reply }) {
        return setSession(reply, await s.accounts.signup(body, clientInfo(request)));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/login',
      summary: 'Sign in with email and password',
      tags: ['accounts'],
      access: 'public',
      body: loginBody,
      response: sessionResponse,
      async handler({ body, request, reply }) {
        return setSession(reply, await s.accounts.login(body, clientInfo(request)));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/logout',
      summary: 'End the current console session',
      tags: ['accounts'],
      access: 'user',
      async handler({ user, reply }) {
        await s.accounts.logout(user);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/me',
      summary: 'Who is calling: the signed-in user and their tenants, or the API key and its tenant',
      tags: ['accounts'],
      access: 'public',
      response: meResponse,
      async handler({ request }) {
        const token = apiKeyFrom(request);
        if (token) {
          const key = await s.apiKeys.authenticate(token);
          if (!key) throw httpErrors.invalid_api_key();
          const tenant = await s.inTenant(key.tenantId, (tx) => s.tenants.get(tx, key.tenantId));
          return {
            type: 'api_key',
            key: { id: key.keyId, kind: key.kind, mode: key.mode },
            tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
          };
        }
        const cookie = request.cookies[SESSION_COOKIE];
        const user = cookie ? await s.accounts.resolveSession(cookie) : s.config.disableAuth ? await s.accounts.devUser() : null;
        if (!user) throw httpErrors.unauthenticated('Sign in, or send an API key as "Authorization: Bearer <key>".');
        return s.accounts.describe(user);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sessions',
      summary: 'Your active console sessions',
      tags: ['accounts'],
      access: 'user',
      async handler({ user }) {
        return { data: await s.accounts.listSessions(user) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/sessions/:id',
      summary: 'Revoke one of your sessions (sign out another device)',
      tags: ['accounts'],
      access: 'user',
      params: sessionIdParams,
      async handler({ user, params }) {
        await s.accounts.revokeSession(user, params.id);
      },
    }),
  ];
}
