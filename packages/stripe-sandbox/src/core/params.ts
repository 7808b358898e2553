/**
 * Declarative request parameters. Each route declares a shape; decoding a request
 * against it yields typed values and Stripe's own errors: `parameter_unknown` naming
 * the first unknown key (`items[0][foo]`), `parameter_missing`,
 * `parameter_invalid_integer`, `parameter_invalid_empty`, enum and type errors.
 * An empty string on an optional parameter means "unset" and decodes to `null`.
 */
import { paramError, unknownParameter, missingParameter } from './errors.ts';
import type { FormNode, FormRecord } from './form.ts';

export interface Param<T, R extends boolean = false> {
  readonly required: R;
  readonly describe: string;
  parse(node: FormNode, path: string): T;
  req(): Param<T, true>;
}

type AnyParam = Param<any, boolean>;
export type Shape = Record<string, AnyParam>;
type Out<P> = P extends Param<infer T, boolean> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type Infer<S extends Shape> = Simplify<
  { [K in keyof S as S[K] extends Param<any, true> ? K : never]: Out<S[K]> } & {
    [K in keyof S as S[K] extends Param<any, true> ? never : K]?: Out<S[K]> | null;
  }
>;

function make<T>(describe: string, parse: (node: FormNode, path: string) => T, required = false): Param<T, any> {
  return {
    required,
    describe,
    parse,
    req: () => make(describe, parse, true) as Param<T, true>,
  };
}

function scalar(node: FormNode, path: string, what: string): string {
  if (typeof node !== 'string') throw paramError('parameter_invalid_string', `Invalid ${what}: ${path} must be a ${what}, not a hash or array.`, path);
  return node;
}

export function string(opts: { maxLength?: number } = {}): Param<string> {
  const max = opts.maxLength ?? 5000;
  return make('string', (node, path) => {
    const value = scalar(node, path, 'string');
    if (value.length > max) throw paramError('parameter_invalid_string', `Invalid string: ${value.slice(0, 20)}...; must be at most ${max} characters`, path);
    return value;
  });
}

export function integer(opts: { min?: number; max?: number } = {}): Param<number> {
  return make('integer', (node, path) => {
    const value = scalar(node, path, 'integer');
    if (!/^-?\d{1,15}$/.test(value)) throw paramError('parameter_invalid_integer', `Invalid integer: ${value}`, path);
    const n = Number(value);
    if (opts.min !== undefined && n < opts.min) throw paramError('parameter_invalid_integer', `This value must be greater than or equal to ${opts.min}.`, path);
    if (opts.max !== undefined && n > opts.max) throw paramError('parameter_invalid_integer', `This value must be less than or equal to ${opts.max}.`, path);
    return n;
  });
}

export function boolean(): Param<boolean> {
  return make('boolean', (node, path) => {
    const value = scalar(node, path, 'boolean');
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw paramError('parameter_invalid_boolean', `Invalid boolean: ${value}`, path);
  });
}

function oxfordList(values: readonly string[]): string {
  if (values.length <= 2) return values.join(' or ');
  return `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`;
}

export function oneOf<const V extends string>(values: readonly V[]): Param<V> {
  return make(`one of ${values.join('|')}`, (node, path) => {
    const value = scalar(node, path, 'string');
    if (!(values as readonly string[]).includes(value)) throw paramError('parameter_invalid_enum', `Invalid ${path}: must be one of ${oxfordList(values)}`, path);
    return value as V;
  });
}

/** Metadata: up to 50 keys of 40 chars, values of 500; a value '' deletes the key. */
export function metadata(): Param<Record<string, string>> {
  return make('metadata', (node, path) => {
    if (typeof node === 'string') throw paramError('parameter_invalid_hash', `Invalid hash: ${path} must be a hash of keys to values.`, path);
    const out: Record<string, string> = {};
    const keys = Object.keys(node);
    if (keys.length > 50) throw paramError('parameter_invalid_hash', 'You can have at most 50 keys in metadata.', path);
    for (const key of keys) {
      const value = scalar(node[key] as FormNode, `${path}[${key}]`, 'string');
      if (key.length > 40) throw paramError('parameter_invalid_string', `Metadata keys can have up to 40 characters, but you passed in a key that is ${key.length} characters. Invalid key: ${key}`, `${path}[${key}]`);
      if (value.length > 500) throw paramError('parameter_invalid_string', `Metadata values can have up to 500 characters, but you passed in a value that is ${value.length} characters. Invalid value: ${value.slice(0, 40)}`, `${path}[${key}]`);
      out[key] = value;
    }
    return out;
  });
}

/** Any hash of string values (used where Stripe takes free-form maps). */
export function stringMap(): Param<Record<string, string>> {
  return metadata();
}

export function array<T>(item: Param<T, boolean>, opts: { max?: number } = {}): Param<T[]> {
  return make(`array of ${item.describe}`, (node, path) => {
    if (typeof node === 'string') {
      throw paramError('parameter_invalid_array', `Invalid array: ${path} must be an array (for example ${path}[0]=…).`, path);
    }
    const keys = Object.keys(node);
    if (opts.max !== undefined && keys.length > opts.max) throw paramError('parameter_invalid_array', `Invalid array: ${path} can have at most ${opts.max} elements.`, path);
    const indexed = keys.map((k) => {
      if (!/^\d{1,4}$/.test(k)) throw paramError('parameter_invalid_array', `Invalid array: ${path} must be indexed with integers (got ${k}).`, `${path}[${k}]`);
      return [Number(k), k] as const;
    });
    indexed.sort((a, b) => a[0] - b[0]);
    return indexed.map(([, k]) => item.parse(node[k] as FormNode, `${path}[${k}]`));
  });
}

export function object<S extends Shape>(shape: S): Param<Infer<S>> {
  return make('hash', (node, path) => {
    if (typeof node === 'string') throw paramError('parameter_invalid_hash', `Invalid hash: ${path} must be a hash (for example ${path}[key]=…).`, path);
    return parseShape(shape, node, path);
  });
}

/** The first alternative that decodes wins (e.g. `trial_end`: 'now' or a timestamp). */
export function either<A, B>(a: Param<A, boolean>, b: Param<B, boolean>): Param<A | B> {
  return make(`${a.describe} or ${b.describe}`, (node, path) => {
    try {
      return a.parse(node, path);
    } catch {
      return b.parse(node, path);
    }
  });
}

export function literal<const V extends string>(value: V): Param<V> {
  return oneOf([value]);
}

/** `created` style filters: an integer or a hash of gt/gte/lt/lte. */
export function range(): Param<number | { gt?: number | null; gte?: number | null; lt?: number | null; lte?: number | null }> {
  return either(integer(), object({ gt: integer(), gte: integer(), lt: integer(), lte: integer() }));
}

/** Accepted and ignored: parameters Stripe takes that do not change the sandbox's behaviour. */
export function ignored(): Param<unknown> {
  return make('anything', (node) => node);
}

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}[${key}]`;
}

export function parseShape<S extends Shape>(shape: S, node: FormRecord, path = ''): Infer<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node)) {
    const param = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : undefined;
    if (!param) throw unknownParameter(childPath(path, key));
  }
  for (const key of Object.keys(shape)) {
    const param = shape[key] as AnyParam;
    const p = childPath(path, key);
    const raw = node[key];
    if (raw === undefined) {
      if (param.required) throw missingParameter(p);
      continue;
    }
    if (raw === '') {
      if (param.required) {
        throw paramError('parameter_invalid_empty', `You passed an empty string for '${p}'. We assume empty values are an attempt to unset a parameter; however '${p}' cannot be unset. You should remove '${p}' from your request or supply a non-empty value.`, p);
      }
      out[key] = null;
      continue;
    }
    out[key] = param.parse(raw, p);
  }
  return out as Infer<S>;
}

/** Every route accepts `expand[]`. */
export const EXPAND = { expand: array(string()) };

/** The list parameters every list endpoint takes. */
export const LIST = {
  ...EXPAND,
  limit: integer({ min: 1, max: 100 }),
  starting_after: string(),
  ending_before: string(),
};

/**
 * Stripe's metadata update: `metadata=''` clears everything, `metadata[k]=''`
 * removes a key, other keys are set; undefined leaves it as it was.
 */
export function mergeMetadata(current: Record<string, string> | null | undefined, update: Record<string, string> | null | undefined): Record<string, string> {
  if (update === undefined) return { ...(current ?? {}) };
  if (update === null) return {};
  const next = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}
