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
  })
  .strict();

export const settingsView = z.object({
  allowed_origins: z.array(z.string()),
});

export type SettingsView = z.infer<typeof settingsView>;
