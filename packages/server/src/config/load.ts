/**
 * Resolves the configuration from flags, environment variables and `_FILE`
 * variants (flag > env > file > default), validates every setting, and reports
 * all problems at once so an operator fixes them in one pass.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, sep } from 'node:path';
import { parseKey32 } from '../lib/crypto.ts';
import { SETTINGS, type Config, type SettingDef } from './schema.ts';

export interface ConfigSources {
  /** Flag values keyed by flag name without dashes (`port`, `encryption-key-file`). */
  flags?: Record<string, string | boolean | undefined>;
  env?: Record<string, string | undefined>;
  /** Reads a `_FILE` path; injectable for tests. */
  readFile?: (path: string) => string;
}

export interface ConfigProblem {
  setting: string;
  problem: string;
  fix?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Tollgate cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((p) => `  - ${p.setting}: ${p.problem}${p.fix ? ` (fix: ${p.fix})` : ''}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

interface RawValue {
  value: string;
  origin: string;
}

function rawValue(def: SettingDef, sources: ConfigSources, problems: ConfigProblem[]): RawValue | undefined {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const read = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const candidates: Array<{ origin: string; value?: string; file?: string }> = [];
  const flag = flags[def.flag];
  if (flag !== undefined) candidates.push({ origin: `--${def.flag}`, value: String(flag) });
  const flagFile = flags[`${def.flag}-file`];
  if (flagFile !== undefined) candidates.push({ origin: `--${def.flag}-file`, file: String(flagFile) });
  if (!candidates.length) {
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') candidates.push({ origin: def.env, value: fromEnv });
    const envFile = env[`${def.env}_FILE`];
    if (envFile !== undefined && envFile !== '') candidates.push({ origin: `${def.env}_FILE`, file: envFile });
  }
  if (candidates.length > 1) {
    problems.push({ setting: def.env, problem: `set more than once (${candidates.map((c) => c.origin).join(' and ')})`, fix: 'keep only one' });
    return undefined;
  }
  const chosen = candidates[0];
  if (!chosen) return def.default === undefined ? undefined : { value: def.default, origin: 'default' };
  if (chosen.file === undefined) return { value: chosen.value ?? '', origin: chosen.origin };
  try {
    return { value: read(chosen.file).replace(/\r?\n$/, ''), origin: chosen.origin };
  } catch (err) {
    problems.push({ setting: def.env, problem: `cannot read ${chosen.origin} file ${chosen.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
    return undefined;
  }
}

function parseValue(def: SettingDef, raw: RawValue, problems: ConfigProblem[]): unknown {
  const shown = def.secret ? '(hidden)' : JSON.stringify(raw.value);
  const fail = (problem: string) => {
    problems.push({ setting: def.env, problem: `${problem}; got ${shown} from ${raw.origin}`, ...(def.fix ? { fix: def.fix } : {}) });
    return undefined;
  };
  const value = raw.value.trim();
  switch (def.type) {
    case 'int': {
      if (!/^-?\d+$/.test(value)) return fail('must be a whole number');
      const n = Number(value);
      if (def.min !== undefined && n < def.min) return fail(`must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) return fail(`must be at most ${def.max}`);
      return n;
    }
    case 'bool': {
      if (/^(true|1|yes|on)$/i.test(value)) return true;
      if (/^(false|0|no|off)$/i.test(value)) return false;
      return fail('must be true or false');
    }
    case 'enum':
      return def.values?.includes(value) ? value : fail(`must be one of ${def.values?.join(', ')}`);
    case 'url':
      try {
        const url = new URL(value);
        return url.protocol ? value.replace(/\/+$/, '') : fail('must be an absolute URL');
      } catch {
        return fail('must be an absolute URL');
      }
    case 'list':
      return value.split(',').map((item) => item.trim()).filter(Boolean);
    case 'key32':
      return parseKey32(value) ?? fail('must be 32 bytes written as 64 hex characters or base64');
    case 'string':
      return value;
  }
}

/** Checks that only make sense across settings, or only in production. */
function crossCheck(config: Config, env: Record<string, string | undefined>, problems: ConfigProblem[]): void {
  for (const key of ['sessionSecret', 'oauthStateSecret'] as const) {
    const value = config[key];
    if (value !== undefined && value.length < 32) {
      const def = (SETTINGS as readonly SettingDef[]).find((s) => s.key === key)!;
      problems.push({ setting: def.env, problem: 'must be at least 32 characters', fix: def.fix });
    }
  }
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:$/.test(new URL(config.databaseUrl).protocol)) {
    problems.push({ setting: 'DATABASE_URL', problem: 'must start with postgres:// or postgresql://' });
  }
  if (config.nodeEnv !== 'production') return;
  if (!config.databaseUrl) {
    if (config.dataDir === undefined) {
      // already reported by the parser
    } else if (config.dataDir === ':memory:') {
      problems.push({ setting: 'TOLLGATE_DATA_DIR', problem: 'in-memory storage is refused in production: every subscription would be lost on restart', fix: 'set DATABASE_URL to a PostgreSQL database' });
    } else if (isTemporaryPath(config.dataDir, env)) {
      problems.push({ setting: 'TOLLGATE_DATA_DIR', problem: `${config.dataDir} is a temporary directory, refused in production`, fix: 'set DATABASE_URL to a PostgreSQL database' });
    }
  }
  if (config.disableAuth) {
    problems.push({ setting: 'TOLLGATE_DISABLE_AUTH', problem: 'refused in production: it would let anyone act as an admin', fix: 'unset TOLLGATE_DISABLE_AUTH' });
  }
  if (!config.encryptionKey) {
    problems.push({ setting: 'TOLLGATE_ENCRYPTION_KEY', problem: 'required in production (stored Stripe keys are encrypted with it)', fix: 'generate one with `npx tollgate keys generate` and keep it safe: losing it loses the stored keys' });
  }
  if (!config.sessionSecret) {
    problems.push({ setting: 'TOLLGATE_SESSION_SECRET', problem: 'required in production', fix: 'generate one with `npx tollgate keys generate`' });
  }
  if (config.stripeApiBase) {
    problems.push({ setting: 'TOLLGATE_STRIPE_API_BASE', problem: 'refused in production: Stripe calls must go to Stripe', fix: 'unset TOLLGATE_STRIPE_API_BASE' });
  }
}

function isTemporaryPath(dir: string, env: Record<string, string | undefined>): boolean {
  const path = resolve(dir);
  const roots = new Set([tmpdir(), '/tmp', '/var/tmp', '/dev/shm', env.TMPDIR].filter(Boolean).map((p) => resolve(p!)));
  return [...roots].some((root) => path === root || path.startsWith(root + sep));
}

/** Parses and validates every setting; throws a ConfigError listing all problems. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const problems: ConfigProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const def of SETTINGS as readonly SettingDef[]) {
    const raw = rawValue(def, sources, problems);
    if (raw !== undefined) out[def.key] = parseValue(def, raw, problems);
  }
  const config = out as Config;
  crossCheck(config, sources.env ?? {}, problems);
  if (problems.length) throw new ConfigError(problems);
  config.publicUrl ??= `http://localhost:${config.port}`;
  return config;
}
