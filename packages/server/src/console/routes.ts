/**
 * Serves the operator console (packages/dashboard) at /console/: one HTML
 * page and two bundled assets, with a strict Content-Security-Policy. The
 * console itself talks to the same API as everyone else, with a session
 * cookie and the CSRF header.
 */
import { consoleAssets } from '@tollgate/dashboard';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '../http/route.ts';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin');
}

export function consoleRoutes(): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      summary: 'Redirect to the console',
      access: 'public',
      hidden: true,
      handler: ({ reply }) => reply.redirect('/console/', 302),
    }),
    defineRoute({
      method: 'GET',
      url: '/signup',
      summary: 'Invitation links land here',
      access: 'public',
      hidden: true,
      query: z.object({ invite: z.string().max(200).optional() }),
      handler: ({ reply, query }) => reply.redirect(`/console/${query.invite ? `?invite=${encodeURIComponent(query.invite)}` : ''}`, 302),
    }),
    defineRoute({
      method: 'GET',
      url: '/console/',
      summary: 'The operator console',
      access: 'public',
      hidden: true,
      async handler({ reply }) {
        const assets = await consoleAssets();
        return secure(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(assets.html);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/console/assets/:file',
      summary: 'Console assets',
      access: 'public',
      hidden: true,
      params: z.object({ file: z.enum(['app.js', 'app.css']) }),
      async handler({ reply, params }) {
        const assets = await consoleAssets();
        const js = params.file === 'app.js';
        return secure(reply)
          .type(js ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(js ? assets.js : assets.css);
      },
    }),
  ];
}
