/**
 * Human-readable log lines for a terminal (`LOG_FORMAT=pretty`, or `auto` on a
 * TTY): one line per entry, time, level, message, then the other fields as
 * key=value. It formats pino's already-serialized JSON, so redaction has
 * happened before a line gets here. Access logs shrink to one line per
 * request (`GET /v1/products 200 4.1 ms`); the "incoming request" half is dropped.
 */
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '35' };
const SKIP = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'req', 'res', 'responseTime', 'reqId', 'err']);

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/**
 * One pino JSON line as one readable line (plus an error's stack); null to
 * drop it. Fastify logs the method and URL on "incoming request" only, so
 * `requests` carries them by request id to the "request completed" line.
 */
export function formatLine(line: string, color = false, requests = new Map<string, string>()): string | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const reqId = typeof entry.reqId === 'string' ? entry.reqId : undefined;
  const req = entry.req as { method?: string; url?: string } | undefined;
  if (entry.msg === 'incoming request') {
    if (reqId && req) {
      if (requests.size >= 10_000) requests.delete(requests.keys().next().value!);
      requests.set(reqId, `${req.method} ${req.url}`);
    }
    return null;
  }
  const level = Number(entry.level);
  const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
  const label = color ? `\x1b[${COLORS[level] ?? '0'}m${LEVELS[level] ?? level}\x1b[0m` : (LEVELS[level] ?? String(level));
  let msg = String(entry.msg ?? '');
  const res = entry.res as { statusCode?: number } | undefined;
  if (entry.msg === 'request completed' && res) {
    const ms = typeof entry.responseTime === 'number' ? `${entry.responseTime.toFixed(1)} ms` : '';
    const started = reqId ? requests.get(reqId) : undefined;
    if (reqId) requests.delete(reqId);
    msg = `${started ?? (req ? `${req.method} ${req.url}` : '')} ${res.statusCode} ${ms}`.replace(/\s+/g, ' ').trim();
  }
  const fields = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  if (entry.reqId) fields.push(`reqId=${value(entry.reqId)}`);
  const err = entry.err as { type?: string; code?: string; message?: string; stack?: string } | undefined;
  if (err) fields.push(`err=${value(err.code ? `${err.code}: ${err.message}` : err.message)}`);
  const out = `${time} ${label} ${msg}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
  return err?.stack && level >= 50 ? `${out}${err.stack.replace(/^/gm, '    ')}\n` : out;
}

/** A pino destination that writes formatted lines to `out` (stdout by default). */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout, color = Boolean((out as { isTTY?: boolean }).isTTY)): DestinationStream {
  const requests = new Map<string, string>();
  return {
    write(line: string) {
      const text = formatLine(line, color, requests);
      if (text) out.write(text);
    },
  };
}
