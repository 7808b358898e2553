/**
 * The console's API client: same-origin fetch with the session cookie, the
 * CSRF token on writes, and the selected tenant and mode as headers. Errors
 * come back as `ApiError` carrying the server's stable code.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Mode = 'test' | 'live';

interface Context {
  csrf: string;
  tenant: string;
  mode: Mode;
}

const context: Context = { csrf: '', tenant: '', mode: (localStorage.getItem('tollgate.mode') as Mode) || 'test' };

export function setContext(patch: Partial<Context>): void {
  Object.assign(context, patch);
  if (patch.mode) localStorage.setItem('tollgate.mode', patch.mode);
  if (patch.tenant) localStorage.setItem('tollgate.tenant', patch.tenant);
}

export function getContext(): Readonly<Context> {
  return context;
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'tollgate-mode': context.mode };
  if (context.tenant) headers['tollgate-tenant'] = context.tenant;
  if (method !== 'GET') headers['x-csrf-token'] = context.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const error = json?.error ?? {};
    throw new ApiError(res.status, error.code ?? 'http_error', error.message ?? `${res.status} ${res.statusText}`, error.details);
  }
  return json as T;
}
