/**
 * The shape of Tollgate API keys: `tg_<pk|sk>_<test|live>_<32 base62>`. The
 * `tg_` prefix keeps them from being mistaken for Stripe's `pk_`/`sk_` keys (in
 * code review, in secret scanners, in a support chat).
 */
import { randomBase62, sha256Hex } from '../lib/crypto.ts';
import type { ApiKeyKind, Mode } from '../http/context.ts';

const PATTERN = /^tg_(pk|sk)_(test|live)_([0-9A-Za-z]{32})$/;

export interface NewApiKey {
  token: string;
  hash: string;
  /** Safe to show and store: enough to recognize the key, not to use it. */
  prefix: string;
}

export function newApiKey(kind: ApiKeyKind, mode: Mode): NewApiKey {
  const token = `tg_${kind === 'secret' ? 'sk' : 'pk'}_${mode}_${randomBase62(32)}`;
  return { token, hash: hashApiKey(token), prefix: `${token.slice(0, token.lastIndexOf('_') + 5)}…` };
}

export function hashApiKey(token: string): string {
  return sha256Hex(token);
}

/** Kind and mode a token claims, or null if it is not a Tollgate key at all. */
export function parseApiKey(token: string): { kind: ApiKeyKind; mode: Mode } | null {
  const match = PATTERN.exec(token);
  if (!match) return null;
  return { kind: match[1] === 'sk' ? 'secret' : 'publishable', mode: match[2] as Mode };
}
