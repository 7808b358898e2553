/**
 * Validates the sandbox's responses against Stripe's OpenAPI spec (spec3, API
 * version 2023-08-16), read once per test file from the gzipped copy in `spec/`.
 * OpenAPI 3.0 is turned into JSON Schema for ajv: `nullable`, `$ref` to components,
 * `x-stripeBypassValidation` (open enums). The sandbox speaks a newer API version
 * (2026-10-28), so the fields that changed since 2023 are listed in `ALLOWANCES`,
 * one field at a time — everything else must match the spec exactly.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { ResponseInfo } from '../src/index.ts';

const SPEC_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'spec', 'stripe-openapi-2023-08-16.yaml.gz');
const SPEC_SHA256 = 'eed9ac08a03a5374caa994362bfa080ae87ee75f0a3dc76f9d48b19c705b50bb';

type Schema = Record<string, unknown>;

/**
 * What changed in Stripe's API between 2023-08-16 and 2026-10-28 that the sandbox
 * (typed with the SDK v23 types) follows, per component schema and field:
 * - `optional`: the field is no longer always present (removed or moved);
 * - `enum`: values added to an enum;
 * - `any`: the field's shape changed.
 */
const ALLOWANCES: Record<string, Record<string, { optional?: true; enum?: string[]; any?: true }>> = {
  // 2024-04-10: product `features` renamed `marketing_features`.
  product: { features: { optional: true } },
  // 2025-03-31: `paid` and `paid_out_of_band` gave way to `status` and invoice payments;
  // `total_tax_amounts` became `total_taxes`.
  invoice: {
    paid: { optional: true },
    paid_out_of_band: { optional: true },
    total_tax_amounts: { optional: true },
  },
  // 2025-03-31: an invoice line's `type` and `proration` moved under `parent.*_details`.
  line_item: {
    type: { optional: true },
    proration: { optional: true },
  },
  // 2025-03-31: current periods moved to subscription items.
  subscription: {
    current_period_start: { optional: true },
    current_period_end: { optional: true },
  },
};

/** Fields present in the 2023 spec's `required` lists but gone from today's objects everywhere. */
const REMOVED_EVERYWHERE = new Set<string>([]);

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function loadSpec(): Schema {
  const cache = join(tmpdir(), `tollgate-stripe-spec-${SPEC_SHA256.slice(0, 16)}.json`);
  if (existsSync(cache)) {
    try {
      return JSON.parse(readFileSync(cache, 'utf8')) as Schema;
    } catch {
      // a broken cache is rebuilt below
    }
  }
  const yaml = gunzipSync(readFileSync(SPEC_FILE));
  if (sha256(yaml) !== SPEC_SHA256) throw new Error(`${SPEC_FILE} does not match the sha256 in spec/README.md`);
  const spec = parse(yaml.toString('utf8'), { maxAliasCount: -1 }) as Schema;
  try {
    // temp file + rename: test files running in parallel never read half a cache
    const tmp = `${cache}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(spec));
    renameSync(tmp, cache);
  } catch {
    // caching is only an optimisation
  }
  return spec;
}

/** OpenAPI 3.0 schema → JSON Schema for ajv. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-') || k === 'nullable' || k === 'description' || k === 'example') continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\//, 'stripe#/');
    else if (k === 'enum' && src['x-stripeBypassValidation'] === true) continue;
    else if (k === 'properties' && typeof v === 'object' && v !== null) out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s)]));
    else out[k] = convert(v);
  }
  if (src.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

function applyAllowances(schemas: Record<string, Schema>): void {
  for (const [name, fields] of Object.entries(ALLOWANCES)) {
    const schema = schemas[name];
    if (!schema) throw new Error(`ALLOWANCES names a schema the spec does not have: ${name}`);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [field, allow] of Object.entries(fields)) {
      if (!(field in props)) throw new Error(`ALLOWANCES names ${name}.${field}, which the 2023 spec does not have`);
      if (allow.optional) schema.required = ((schema.required ?? []) as string[]).filter((r) => r !== field);
      if (allow.any) props[field] = {};
      if (allow.enum) addEnum(props[field] as Schema, allow.enum);
    }
  }
  for (const schema of Object.values(schemas)) {
    if (Array.isArray(schema.required)) schema.required = schema.required.filter((r: string) => !REMOVED_EVERYWHERE.has(r));
  }
}

function addEnum(schema: Schema, values: string[]): void {
  const target = Array.isArray(schema.anyOf) ? (schema.anyOf[0] as Schema) : schema;
  if (!Array.isArray(target.enum)) throw new Error('enum allowance on a field without an enum');
  target.enum = [...(target.enum as string[]), ...values];
}

interface Operation {
  template: string;
  regex: RegExp;
  params: number;
  responses: Record<string, Schema>;
}

export interface Validation {
  ok: boolean;
  operation: string | null;
  errors: string[];
}

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly operations = new Map<string, Operation[]>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    const spec = loadSpec();
    const components = (spec.components as Schema).schemas as Record<string, Schema>;
    const schemas = convert(components) as Record<string, Schema>;
    applyAllowances(schemas);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema({ $id: 'stripe', components: { schemas } });
    for (const [template, item] of Object.entries(spec.paths as Record<string, Schema>)) {
      for (const [method, op] of Object.entries(item)) {
        const responses = (op as Schema).responses as Record<string, { content?: Record<string, { schema: Schema }> }> | undefined;
        if (!responses) continue;
        const schemasByStatus: Record<string, Schema> = {};
        for (const [status, r] of Object.entries(responses)) {
          const s = r.content?.['application/json']?.schema;
          if (s) schemasByStatus[status] = convert(s) as Schema;
        }
        const key = method.toUpperCase();
        const list = this.operations.get(key) ?? [];
        const params = (template.match(/\{/g) ?? []).length;
        list.push({ template, regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`), params, responses: schemasByStatus });
        this.operations.set(key, list);
      }
    }
    for (const list of this.operations.values()) list.sort((a, b) => a.params - b.params);
  }

  find(method: string, path: string): Operation | undefined {
    return this.operations.get(method)?.find((op) => op.regex.test(path));
  }

  validate(method: string, path: string, status: number, body: unknown): Validation {
    const op = this.find(method, path);
    if (!op) return { ok: false, operation: null, errors: [`no operation ${method} ${path} in the spec`] };
    const key = String(status) in op.responses ? String(status) : 'default';
    const schema = op.responses[key];
    if (!schema) return { ok: false, operation: op.template, errors: [`no ${key} response for ${method} ${op.template}`] };
    const id = `${method} ${op.template} ${key}`;
    let fn = this.compiled.get(id);
    if (!fn) {
      fn = this.ajv.compile(schema);
      this.compiled.set(id, fn);
    }
    const ok = fn(body) as boolean;
    const errors = ok ? [] : (fn.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    return { ok, operation: id, errors };
  }
}

/**
 * Paths the sandbox serves that the 2023 spec does not describe: Connect OAuth (it lives
 * on connect.stripe.com) and Entitlements (added to the API in 2024; their shapes are
 * checked by the compiler against the SDK's types instead).
 */
export const OUTSIDE_SPEC = [/^\/oauth\/(token|deauthorize)$/, /^\/v1\/entitlements\//, /^\/v1\/products\/[^/]+\/features(\/|$)/];

/**
 * Collects every API response of a sandbox (its `onResponse` hook) and checks it.
 * `failures` lists the responses that do not match the spec.
 */
export class ResponseRecorder {
  readonly failures: string[] = [];
  readonly seen = new Set<string>();
  count = 0;
  private readonly validator: OpenApiValidator;

  constructor(validator: OpenApiValidator) {
    this.validator = validator;
  }

  readonly onResponse = (info: ResponseInfo): void => {
    this.count++;
    if (OUTSIDE_SPEC.some((re) => re.test(info.path))) return;
    let body: unknown;
    try {
      body = JSON.parse(info.body);
    } catch {
      this.failures.push(`${info.method} ${info.path} → ${info.status}: body is not JSON`);
      return;
    }
    // An error before any route matched (unknown URL, bad key) is still Stripe's error object.
    const result = info.route === null && info.status >= 400 && !this.validator.find(info.method, info.path)
      ? this.validator.validate('GET', '/v1/customers', 404, body)
      : this.validator.validate(info.method, info.path, info.status, body);
    if (result.operation) this.seen.add(result.operation);
    if (!result.ok) this.failures.push(`${info.method} ${info.path} → ${info.status}: ${result.errors.join('; ')}`);
  };

  /** Throw (failing the test) if any response so far did not match; then start over. */
  assertValid(): void {
    const failures = this.failures.splice(0);
    if (failures.length > 0) throw new Error(`${failures.length} response(s) do not match Stripe's OpenAPI spec:\n${failures.join('\n')}`);
  }
}

let shared: OpenApiValidator | null = null;

/** One validator per test file (the spec is parsed once). */
export function openApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator();
  return shared;
}
