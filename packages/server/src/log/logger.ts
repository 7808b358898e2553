/**
 * The process logger: JSON lines via pino, with every known secret-bearing
 * field redacted, including credentials in URLs' query strings.
 */
import pino, { type Logger } from 'pino';
import { prettyDestination } from './pretty.ts';

export type { Logger };

/** Paths pino censors wherever they appear in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-api-key"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'secret_key',
  '*.secret_key',
  '*.secret',
  '*.token',
  '*.api_key',
  '*.webhook_secret',
  '*.encryptionKey',
  '*.sessionSecret',
  '*.oauthStateSecret',
  '*.databaseUrl',
];

const SECRET_QUERY = /([?&](?:apiKey|api_key|token|key|secret|code)=)[^&#]*/gi;

/** Removes credential-looking query values from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

/** Removes secrets that may appear in free text (error messages from drivers or Stripe). */
export function redactText(text: string): string {
  return text
    .replace(/\b(sk|rk)_(test|live)_[A-Za-z0-9]+/g, '$1_$2_[REDACTED]')
    .replace(/\btg_sk_(test|live)_[A-Za-z0-9]+/g, 'tg_sk_$1_[REDACTED]')
    .replace(/\bwhsec_[A-Za-z0-9]+/g, 'whsec_[REDACTED]')
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1[REDACTED]@');
}

/** Logger for one-shot CLI commands: stderr, so stdout stays parseable (e.g. --json). */
export function createCliLogger(level = 'warn'): Logger {
  return createLogger({ level, destination: pino.destination(2) });
}

export type LogFormat = 'json' | 'pretty' | 'auto';

/**
 * The process logger. `format` picks JSON lines (for collectors) or readable
 * lines (for a person at a terminal); `auto` is readable only when stdout is a TTY.
 */
export function createLogger(options: { level?: string; format?: LogFormat; destination?: pino.DestinationStream } = {}): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  const destination = options.destination ?? (pretty ? prettyDestination() : undefined);
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: 'tollgate' },
      serializers: {
        req(req: { method?: string; url?: string; id?: string; ip?: string }) {
          return { id: req.id, method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip };
        },
        err(err: Error & { code?: string }) {
          return { type: err.name, code: err.code, message: redactText(err.message), stack: err.stack ? redactText(err.stack) : undefined };
        },
      },
    },
    destination,
  );
}

/**
 * A request logger that creates its pino child only when something is
 * actually logged: most requests log nothing above the configured level, and
 * building a child (bindings, redaction) on each one costs more than the
 * request itself on the hot path.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = () => (child ??= parent.child(bindings));
  return new Proxy(parent, {
    get(target, prop) {
      if (prop === 'child') return (b: Record<string, unknown>, o?: unknown) => real().child(b, o as never);
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function') return value;
      const level = prop as string;
      if (['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(level)) {
        return (...args: unknown[]) => (target.isLevelEnabled(level) ? (real() as any)[level](...args) : undefined);
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  }) as Logger;
}
