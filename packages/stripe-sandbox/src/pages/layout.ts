/**
 * The hosted pages' shared frame: HTML escaping, one small stylesheet, and the
 * page route type. Pages are plain HTML forms (no script), so a browser and a
 * `fetch` POST drive them the same way.
 */
import type { HttpRequest, HttpResponse } from '../core/http.ts';
import type { Runtime } from '../core/runtime.ts';
import { decodeForm } from '../core/form.ts';

export interface PageRoute {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(rt: Runtime, req: HttpRequest, match: string[]): HttpResponse | Promise<HttpResponse>;
}

export function esc(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; background: #f6f8fa; color: #1a1f36; }
  main { max-width: 640px; margin: 40px auto; background: #fff; border-radius: 10px; padding: 28px 32px; box-shadow: 0 2px 8px rgba(0,0,0,.08); }
  h1 { font-size: 1.4rem; margin-top: 0; } h2 { font-size: 1.05rem; margin-top: 1.6em; }
  .badge { display: inline-block; font-size: .75rem; background: #ffe9b3; color: #6b4e00; border-radius: 4px; padding: 2px 6px; }
  table { width: 100%; border-collapse: collapse; } td, th { padding: 6px 4px; border-bottom: 1px solid #e3e8ee; text-align: left; }
  td.amount, th.amount { text-align: right; }
  .error { background: #fde8e8; color: #9b1c1c; padding: 10px 12px; border-radius: 6px; }
  .notice { background: #e6f4ea; color: #1e5631; padding: 10px 12px; border-radius: 6px; }
  label { display: block; margin: 6px 0; } input[type=email], input[type=text] { width: 100%; padding: 8px; box-sizing: border-box; }
  button { background: #635bff; color: #fff; border: 0; border-radius: 6px; padding: 10px 18px; font-size: 1rem; cursor: pointer; margin-top: 12px; }
  button.secondary { background: #e3e8ee; color: #1a1f36; }
  .muted { color: #6b7385; font-size: .9rem; }
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>
<p><span class="badge">Stripe sandbox — test mode</span></p>
${body}
</main></body>
</html>`;
}

/** Top-level string fields of a posted form. */
export function formFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(decodeForm(body))) if (typeof v === 'string') out[k] = v;
  return out;
}

export function date(unix: number | null | undefined): string {
  return unix ? new Date(unix * 1000).toISOString().slice(0, 10) : '—';
}
