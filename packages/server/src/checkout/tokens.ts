/**
 * Customer tokens: short-lived bearer tokens a tenant's backend mints for one
 * of its customers (POST /v1/customer_tokens, secret key), so a browser or app
 * holding only the publishable key can start Checkout or open the portal for
 * that customer and nobody else.
 *
 * Format: `ct1.<payload>.<mac>`, both base64url; the payload is JSON
 * `{t: tenant id, m: mode, c: external id, e: expiry (unix s)}` and the mac is
 * HMAC-SHA256 over `ct1.<payload>` with a key derived from the session secret
 * (so it cannot collide with any other use of that secret). Verification is
 * constant-time and never trusts the payload before the mac checks out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Mode } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { checkoutErrors } from './errors.ts';

const PREFIX = 'ct1';
export const DEFAULT_TOKEN_TTL_SECONDS = 15 * 60;
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

export interface CustomerClaims {
  tenantId: string;
  mode: Mode;
  externalId: string;
  expiresAt: Date;
}

export function createCustomerTokens(deps: { sessionSecret: string; clock: Clock }) {
  const key = createHmac('sha256', deps.sessionSecret).update('tollgate customer token v1').digest();
  const mac = (signed: string) => createHmac('sha256', key).update(signed).digest();

  return {
    sign(claims: { tenantId: string; mode: Mode; externalId: string; ttlSeconds?: number }): { token: string; expiresAt: Date } {
      const ttl = Math.min(Math.max(1, claims.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS), MAX_TOKEN_TTL_SECONDS);
      const exp = Math.floor(deps.clock.now().getTime() / 1000) + ttl;
      const payload = Buffer.from(JSON.stringify({ t: claims.tenantId, m: claims.mode, c: claims.externalId, e: exp })).toString('base64url');
      const signed = `${PREFIX}.${payload}`;
      return { token: `${signed}.${mac(signed).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
    },

    /** The claims of a genuine, unexpired token, or a 401 saying what is wrong. */
    verify(token: string): CustomerClaims {
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2] || token.length > 2048) {
        throw checkoutErrors.customer_token_invalid();
      }
      const given = Buffer.from(parts[2], 'base64url');
      const expected = mac(`${PREFIX}.${parts[1]}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw checkoutErrors.customer_token_invalid();
      let body: { t?: unknown; m?: unknown; c?: unknown; e?: unknown };
      try {
        body = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof body;
      } catch {
        throw checkoutErrors.customer_token_invalid();
      }
      if (typeof body.t !== 'string' || (body.m !== 'test' && body.m !== 'live') || typeof body.c !== 'string' || typeof body.e !== 'number') {
        throw checkoutErrors.customer_token_invalid();
      }
      if (body.e * 1000 <= deps.clock.now().getTime()) throw checkoutErrors.customer_token_expired();
      return { tenantId: body.t, mode: body.m, externalId: body.c, expiresAt: new Date(body.e * 1000) };
    },
  };
}

export type CustomerTokens = ReturnType<typeof createCustomerTokens>;
