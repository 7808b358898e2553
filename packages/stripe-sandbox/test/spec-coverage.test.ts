// Every endpoint the sandbox serves is one the spec describes (so every response is
// validated), and the spec checks would catch a wrong shape.
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../src/sandbox.ts';
import { OUTSIDE_SPEC, openApiValidator } from './openapi.ts';

describe('the OpenAPI spec', () => {
  const validator = openApiValidator();

  it('describes every API route of the sandbox (Connect OAuth and Entitlements aside)', () => {
    const missing = API_ROUTES.map((r) => ({ method: r.method, path: r.path.replace(/:[a-z_]+/g, 'x_123') }))
      .filter((r) => !OUTSIDE_SPEC.some((re) => re.test(r.path)))
      .filter((r) => !validator.find(r.method, r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('rejects responses that do not match', () => {
    expect(validator.validate('GET', '/v1/customers/cus_1', 200, { id: 'cus_1', object: 'customer', created: 1, livemode: 'no' }).ok).toBe(false);
    expect(validator.validate('GET', '/v1/customers', 200, { object: 'list', data: [], has_more: false, url: '/v1/customers' }).ok).toBe(true);
    expect(validator.validate('GET', '/v1/customers', 200, { object: 'list', data: [{}], has_more: false, url: '/v1/customers' }).ok).toBe(false);
    expect(validator.validate('POST', '/v1/customers', 400, { error: { type: 'invalid_request_error', message: 'x' } }).ok).toBe(true);
    expect(validator.validate('POST', '/v1/customers', 400, { error: { type: 42 } }).ok).toBe(false);
    // the 2025 allowances are per field: a subscription still needs its other required fields
    expect(validator.validate('GET', '/v1/subscriptions/sub_1', 200, { id: 'sub_1', object: 'subscription' }).ok).toBe(false);
  });
});
