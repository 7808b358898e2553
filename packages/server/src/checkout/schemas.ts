/** Request and response shapes of customer tokens, Checkout and the portal. */
import { z } from 'zod';
import { catalogKey } from '../catalog/schemas.ts';
import { externalId } from '../customers/schemas.ts';
import { MAX_TOKEN_TTL_SECONDS } from './tokens.ts';

const redirectUrl = z.string().trim().min(1).max(2000);

export const customerTokenBody = z
  .object({
    customer: externalId,
    ttl_seconds: z.number().int().min(60).max(MAX_TOKEN_TTL_SECONDS).optional().describe('Lifetime in seconds (default 900, at most 86400)'),
  })
  .strict();

export const customerTokenView = z.object({
  token: z.string().describe('Send as the Tollgate-Customer-Token header together with your publishable key'),
  expires_at: z.string(),
  customer: z.string(),
  mode: z.enum(['test', 'live']),
});

export const createCheckoutBody = z
  .object({
    price: catalogKey.describe('Price key, e.g. pro.monthly'),
    customer: externalId.optional().describe("Your app's user id; with a publishable key it comes from the customer token"),
    customer_email: z.string().trim().max(254).email().optional().describe('Without customer: Checkout creates the Stripe customer with this email'),
    success_url: redirectUrl.describe('Where Stripe sends the buyer after paying; must be under an allowed origin. {CHECKOUT_SESSION_ID} is filled in'),
    cancel_url: redirectUrl.describe('Where Stripe sends the buyer who backs out; must be under an allowed origin'),
    quantity: z.number().int().min(1).max(10_000).default(1),
    trial_days: z.number().int().min(1).max(730).optional().describe("Overrides the price's trial (secret key only)"),
  })
  .strict();

export const checkoutView = z.object({
  id: z.string(),
  url: z.string(),
  expires_at: z.string(),
  customer: z.string().nullable(),
  price: z.string(),
  mode: z.enum(['test', 'live']),
});

export const createPortalBody = z
  .object({
    customer: externalId.optional().describe("Your app's user id; with a publishable key it comes from the customer token"),
    return_url: redirectUrl.describe('Where the portal links back to; must be under an allowed origin'),
  })
  .strict();

export const portalView = z.object({ url: z.string(), customer: z.string(), mode: z.enum(['test', 'live']) });
