/** Request and response shapes of the tenant settings routes. */
import { z } from 'zod';

/** Normalizes `https://App.example.com/` to `https://app.example.com`; refuses paths, queries and non-http(s) schemes. */
export const origin = z
  .string()
  .trim()
  .max(300)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an origin such as https://app.example.com' });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must use http or https' });
      return z.NEVER;
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must be an origin only (scheme, host and port), without path, query or credentials' });
      return z.NEVER;
    }
    return url.origin;
  });

export const updateSettingsBody = z
  .object({
    allowed_origins: z
      .array(origin)
      .max(50)
      .optional()
      .describe('Origins that Checkout and portal redirect URLs (success_url, cancel_url, return_url) must fall under, e.g. https://app.example.com'),
    grace_days: z
      .number()
      .min(0)
      .max(60)
      .optional()
      .describe('Days a past_due subscription keeps its entitlements, counted from the first failed payment (default 3)'),
    config_cache_ttl_seconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .nullable()
      .optional()
      .describe('cache_ttl_seconds of GET /v1/config for this tenant; null = the server default'),
  })
  .strict();

export const settingsView = z.object({
  allowed_origins: z.array(z.string()),
  grace_days: z.number(),
  config_cache_ttl_seconds: z.number().nullable(),
});

export type SettingsView = z.infer<typeof settingsView>;
