/**
 * The process logger: JSON lines via pino, with every known secret-bearing
 * field redacted, including credentials in URLs' query strings.
 */
import pino, { type Logger } from 'pino';

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

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
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
    options.destination,
  );
}
