/**
 * Every setting Tollgate reads, as data. The loader, `tollgate serve --help`
 * and the README's configuration reference are all generated from this list,
 * so they cannot drift apart.
 */

import { ENTITLEMENT_SETTINGS } from '../entitlements/settings.ts';
import { JOB_SETTINGS } from '../jobs/settings.ts';
import { PROVIDER_SETTINGS } from '../providers/settings.ts';
import { WEBHOOK_SETTINGS } from '../webhooks/settings.ts';

export type SettingType = 'string' | 'int' | 'bool' | 'enum' | 'url' | 'list' | 'key32';

export interface SettingDef {
  /** Key in the parsed config object. */
  key: string;
  /** Environment variable; `<ENV>_FILE` is accepted too. */
  env: string;
  /** Command-line flag without dashes; `--<flag>-file` is accepted too. */
  flag: string;
  type: SettingType;
  description: string;
  /** Default value as it would be written in the environment. */
  default?: string;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** Minimum and maximum of an int. */
  min?: number;
  max?: number;
  /** Secrets are never printed, logged or echoed back in an error. */
  secret?: boolean;
  /** One line telling the operator how to produce a valid value. */
  fix?: string;
  group: 'server' | 'storage' | 'security' | 'accounts' | 'stripe' | 'webhooks' | 'jobs' | 'billing' | 'limits' | 'observability';
}

/** Settings of the server core; each domain lists its own in `<domain>/settings.ts`. */
export const CORE_SETTINGS = [
  { key: 'port', env: 'PORT', flag: 'port', type: 'int', min: 0, max: 65535, default: '3000', group: 'server',
    description: 'TCP port the HTTP server listens on.' },
  { key: 'host', env: 'HOST', flag: 'host', type: 'string', default: '0.0.0.0', group: 'server',
    description: 'Interface the HTTP server binds to.' },
  { key: 'publicUrl', env: 'TOLLGATE_PUBLIC_URL', flag: 'public-url', type: 'url', group: 'server',
    description: 'URL at which users and Stripe reach this server (webhook and redirect URLs are built from it). Defaults to http://localhost:<PORT>.',
    fix: 'set it to the externally reachable origin, e.g. https://billing.example.com' },
  { key: 'nodeEnv', env: 'NODE_ENV', flag: 'node-env', type: 'enum', values: ['development', 'production', 'test'], default: 'development', group: 'server',
    description: 'Runtime environment. `production` turns on the storage, auth and secret guards.' },
  { key: 'trustProxy', env: 'TOLLGATE_TRUST_PROXY', flag: 'trust-proxy', type: 'bool', default: 'false', group: 'server',
    description: 'Trust X-Forwarded-* headers (set when running behind a reverse proxy), so client IPs and HTTPS are seen correctly.' },
  { key: 'bodyLimit', env: 'TOLLGATE_BODY_LIMIT', flag: 'body-limit', type: 'int', min: 1024, max: 64 * 1024 * 1024, default: '1048576', group: 'limits',
    description: 'Largest accepted request body in bytes; larger bodies get 413.' },

  { key: 'databaseUrl', env: 'DATABASE_URL', flag: 'database-url', type: 'url', secret: true, group: 'storage',
    description: 'PostgreSQL connection URL (postgres://user:pass@host:5432/db). When unset, Tollgate runs on embedded PGlite in TOLLGATE_DATA_DIR (for trying and developing only).' },
  { key: 'dataDir', env: 'TOLLGATE_DATA_DIR', flag: 'data-dir', type: 'string', default: '.tollgate/data', group: 'storage',
    description: 'Directory for the embedded database and generated development secrets; created if missing. `:memory:` keeps everything in memory (lost on exit).' },
  { key: 'dbPoolSize', env: 'TOLLGATE_DB_POOL_SIZE', flag: 'db-pool-size', type: 'int', min: 1, max: 500, default: '10', group: 'storage',
    description: 'Maximum PostgreSQL connections per process.' },
  { key: 'dbPreparedStatements', env: 'TOLLGATE_DB_PREPARED_STATEMENTS', flag: 'db-prepared-statements', type: 'bool', default: 'true', group: 'storage',
    description: 'Prepare the hot-path statements (webhook intake, entitlement check, API key lookup) once per connection. Set false behind a pooler that cannot carry prepared statements (PgBouncer before 1.21 in transaction mode).' },
  { key: 'migrateOnStart', env: 'TOLLGATE_MIGRATE_ON_START', flag: 'migrate-on-start', type: 'bool', default: 'true', group: 'storage',
    description: 'Apply pending migrations when the server starts (safe with several instances: an advisory lock serializes them). Set false to run `tollgate migrate` as a separate step.' },

  { key: 'encryptionKey', env: 'TOLLGATE_ENCRYPTION_KEY', flag: 'encryption-key', type: 'key32', secret: true, group: 'security',
    description: 'AES-256-GCM key for secrets stored at rest (Stripe keys, webhook secrets): 32 bytes as 64 hex characters or base64. Required in production; generated and kept in the data directory otherwise.',
    fix: 'generate one with `npx tollgate keys generate`' },
  { key: 'sessionSecret', env: 'TOLLGATE_SESSION_SECRET', flag: 'session-secret', type: 'string', secret: true, group: 'security',
    description: 'Secret that keys console session and customer-token signatures (at least 32 characters). Rotating it signs everybody out. Required in production.',
    fix: 'generate one with `npx tollgate keys generate`' },
  { key: 'oauthStateSecret', env: 'TOLLGATE_OAUTH_STATE_SECRET', flag: 'oauth-state-secret', type: 'string', secret: true, group: 'security',
    description: 'HMAC secret for the OAuth `state` round trip (Stripe Connect), at least 32 characters.',
    fix: 'generate one with `npx tollgate keys generate`' },
  { key: 'disableAuth', env: 'TOLLGATE_DISABLE_AUTH', flag: 'disable-auth', type: 'bool', default: 'false', group: 'security',
    description: 'Development only: console requests without a session act as the first platform admin. Refused in production.' },
  { key: 'sessionTtlHours', env: 'TOLLGATE_SESSION_TTL_HOURS', flag: 'session-ttl-hours', type: 'int', min: 1, max: 24 * 90, default: '336', group: 'security',
    description: 'How long a console session lasts, in hours.' },

  { key: 'signup', env: 'TOLLGATE_SIGNUP', flag: 'signup', type: 'enum', values: ['open', 'invite', 'closed'], default: 'invite', group: 'accounts',
    description: 'Who may create an account once the first user exists: `open` (anyone; each gets a tenant of their own), `invite` (only with an invitation), `closed` (nobody).' },
  { key: 'adminEmails', env: 'TOLLGATE_ADMIN_EMAILS', flag: 'admin-emails', type: 'list', group: 'accounts',
    description: 'Comma-separated emails of platform admins.' },
  { key: 'adminEmailDomain', env: 'TOLLGATE_ADMIN_EMAIL_DOMAIN', flag: 'admin-email-domain', type: 'string', group: 'accounts',
    description: 'Every user whose email is at this domain is a platform admin (e.g. `example.com`). Tollgate does not verify email ownership, so pair it with TOLLGATE_SIGNUP=invite or closed.' },

  { key: 'logLevel', env: 'LOG_LEVEL', flag: 'log-level', type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', group: 'observability',
    description: 'Log verbosity. Logs go to stdout with secrets redacted.' },
  { key: 'logFormat', env: 'LOG_FORMAT', flag: 'log-format', type: 'enum', values: ['auto', 'json', 'pretty'], default: 'auto', group: 'observability',
    description: 'JSON lines (`json`, for log collectors), one readable line per entry (`pretty`, for a terminal), or `auto`: pretty when stdout is a terminal, JSON otherwise.' },
] as const satisfies readonly SettingDef[];

export const SETTINGS = [...CORE_SETTINGS, ...JOB_SETTINGS, ...PROVIDER_SETTINGS, ...WEBHOOK_SETTINGS, ...ENTITLEMENT_SETTINGS] as const;

type Defs = (typeof SETTINGS)[number];

type ValueOf<D extends SettingDef> = D['type'] extends 'int'
  ? number
  : D['type'] extends 'bool'
    ? boolean
    : D['type'] extends 'list'
      ? string[]
      : D['type'] extends 'key32'
        ? Buffer
        : D extends { values: readonly (infer V)[] }
          ? V
          : string;

type HasDefault<D> = D extends { default: string } ? true : false;

type Parsed = {
  [D in Defs as D['key']]: HasDefault<D> extends true ? ValueOf<D> : ValueOf<D> | undefined;
};

/** The parsed configuration: settings with a default are always present (publicUrl is derived from PORT when unset). */
export type Config = Omit<Parsed, 'publicUrl'> & { publicUrl: string };
