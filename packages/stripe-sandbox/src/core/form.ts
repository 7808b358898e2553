/**
 * Decoding of Stripe's form encoding: `a[b][0][c]=v`, `expand[]=x`, `+` as space.
 * The result is a tree of strings and plain records (null prototype, so a key like
 * `__proto__` is just a key); `[]` appends under the next numeric key. Whether a
 * record with numeric keys is an array is decided later by the parameter schema.
 */
import { invalidRequest } from './errors.ts';

export type FormNode = string | FormRecord;
export interface FormRecord { [key: string]: FormNode }

const MAX_DEPTH = 12;
const MAX_PAIRS = 5000;

function newRecord(): FormRecord {
  return Object.create(null) as FormRecord;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw invalidRequest(`Invalid request: could not decode "${raw.slice(0, 40)}" as a URL-encoded value.`, { saveIdempotent: false });
  }
}

/** `a[b][]` → ['a', 'b', ''] */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/gy;
  re.lastIndex = open;
  let match: RegExpExecArray | null;
  let end = open;
  while ((match = re.exec(key)) !== null) {
    parts.push(match[1] ?? '');
    end = re.lastIndex;
  }
  if (end !== key.length) return [key]; // not a well-formed bracket key: treat literally
  return parts;
}

function conflict(path: string[]): never {
  throw invalidRequest(`Invalid request: the parameter ${path.join('.')} is given both as a single value and as a hash or array.`, { saveIdempotent: false });
}

function nextIndex(record: FormRecord): string {
  return String(Object.keys(record).length);
}

function assign(root: FormRecord, parts: string[], value: string): void {
  if (parts.length > MAX_DEPTH) throw invalidRequest('Invalid request: parameters are nested too deeply.', { saveIdempotent: false });
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i] as string;
    const last = i === parts.length - 1;
    if (part === '' && i > 0) {
      // `x[]=v` appends; `x[][k]=v` fills the last element unless it already has k.
      const keys = Object.keys(node);
      const lastKey = keys[keys.length - 1];
      const next = parts[i + 1];
      const lastElement = lastKey === undefined ? undefined : node[lastKey];
      if (!last && lastKey !== undefined && typeof lastElement === 'object' && next !== undefined && !(next in lastElement)) part = lastKey;
      else part = nextIndex(node);
    }
    if (last) {
      if (typeof node[part] === 'object') conflict(parts.slice(0, i + 1));
      node[part] = value;
      return;
    }
    const child = node[part];
    if (child === undefined) {
      const created = newRecord();
      node[part] = created;
      node = created;
    } else if (typeof child === 'string') {
      conflict(parts.slice(0, i + 1));
    } else {
      node = child;
    }
  }
}

/** Decode an `application/x-www-form-urlencoded` body or a query string. */
export function decodeForm(input: string): FormRecord {
  const root = newRecord();
  if (input === '') return root;
  const pairs = input.split('&');
  if (pairs.length > MAX_PAIRS) throw invalidRequest('Invalid request: too many parameters.', { saveIdempotent: false });
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    if (key === '') continue;
    assign(root, splitKey(key), decodeComponent(rawValue));
  }
  return root;
}

/** The inverse, used by tests and by the hosted pages to build URLs. */
export function encodeForm(data: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === undefined) return;
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [k, v] of entries) walk(prefix ? `${prefix}[${k}]` : k, v);
      return;
    }
    pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(value === null ? '' : String(value))}`);
  };
  walk('', data);
  return pairs.join('&');
}
