/**
 * Outbound webhooks in-process: a grant changes a customer's entitlements,
 * the tenant's endpoint receives a signed entitlements.updated, verified with
 * the `standardwebhooks` package; retries, give-up, resend, filters, disabling
 * and secret rotation, each observed on a real receiving server.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { bearer, createTestApp, PASSWORD, signUp, type Console, type TestApp } from '../../test/app.ts';
import { ManualClock } from '../lib/clock.ts';
import { signatureHeaders, startReceiver, type Receiver, type Received } from './test-helpers.ts';

describe('outbound webhooks', () => {
  let t: TestApp;
  let owner: Console;
  let key: string;
  let receiver: Receiver;
  let n = 0;

  beforeAll(async () => {
    // Standard Webhooks receivers check the timestamp against their own clock: start Tollgate's at real time.
    t = await createTestApp({ clock: new ManualClock(Date.now()), env: { TOLLGATE_SIGNUP: 'open' } });
    owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD, tenant_name: 'Acme' });
    key = (await owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    await api('POST', '/v1/features', { key: 'export_pdf', name: 'Export PDF' });
    await api('POST', '/v1/products', { key: 'pro', name: 'Pro', features: [{ feature: 'export_pdf' }] });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    t.clock.set(Date.now());
    receiver.received.length = 0;
  });
  afterEach(async () => {
    for (const e of (await api('GET', '/v1/webhook_endpoints')).json().data) await api('DELETE', `/v1/webhook_endpoints/${e.id}`);
  });

  /** Verifies as the receiver would have, at the moment the message arrived (Standard Webhooks allows 5 minutes of skew). */
  function verify(secret: string, r: Received): unknown {
    vi.useFakeTimers({ now: Number(r.headers['webhook-timestamp']) * 1000, toFake: ['Date'] });
    try {
      return new Webhook(secret).verify(r.body, signatureHeaders(r));
    } finally {
      vi.useRealTimers();
    }
  }

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, k = key) =>
    t.app.inject({ method, url, headers: bearer(k), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  /** Gives a fresh customer the pro product: one entitlements.updated. */
  async function grant(): Promise<string> {
    const customer = `user-${++n}`;
    expect((await api('POST', '/v1/grants', { customer, product: 'pro', reason: 'test' })).statusCode).toBe(201);
    return customer;
  }

  async function endpoint(body: Record<string, unknown> = {}) {
    const res = await api('POST', '/v1/webhook_endpoints', { url: receiver.url, ...body });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; secret: string };
  }

  it('registers endpoints: the secret is shown once, bad URLs and unknown ids get clear errors', async () => {
    const created = await endpoint({ description: 'backend' });
    expect(created).toMatchObject({ url: receiver.url, mode: 'test', description: 'backend', enabled_events: [], disabled: false, secret: expect.stringMatching(/^whsec_/) });
    const listed = (await api('GET', '/v1/webhook_endpoints')).json().data;
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify((await api('GET', `/v1/webhook_endpoints/${created.id}`)).json())).not.toContain('whsec_');

    for (const url of ['not a url', 'ftp://example.com/x', 'https://user:pw@example.com/x']) {
      const bad = await api('POST', '/v1/webhook_endpoints', { url });
      expect([url, bad.statusCode, bad.json().error.code]).toEqual([url, 400, 'webhook_url_invalid']);
    }
    const unknownType = await api('POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['charge.succeeded'] });
    expect([unknownType.statusCode, unknownType.json().error.code]).toEqual([400, 'validation_failed']);
    expect((await api('GET', '/v1/webhook_endpoints/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    expect((await api('DELETE', `/v1/webhook_endpoints/${created.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/webhook_endpoints/${created.id}`)).statusCode).toBe(404);
  });

  it('delivers a signed entitlements.updated that verifies with the standardwebhooks package', async () => {
    const { id, secret } = await endpoint();
    const customer = await grant();
    expect(await t.services.jobs.drain()).toBeGreaterThanOrEqual(1);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    const payload = new Webhook(secret).verify(got.body, signatureHeaders(got)) as { type: string; timestamp: string; data: unknown };
    expect(payload).toEqual({
      type: 'entitlements.updated',
      timestamp: t.clock.now().toISOString(),
      data: { mode: 'test', customer, entitlements: [{ feature: 'export_pdf', value: null, source: 'grant', valid_until: null }] },
    });
    expect(got.headers['webhook-id']).toMatch(/^msg_/);
    expect(got.headers['content-type']).toBe('application/json');
    // A forged body or another secret does not verify.
    expect(() => new Webhook(secret).verify(got.body.replace(customer, 'someone-else'), signatureHeaders(got))).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of 24 bytes').toString('base64')}`).verify(got.body, signatureHeaders(got))).toThrow();

    const log = (await api('GET', `/v1/webhook_deliveries?endpoint=${id}`)).json();
    expect(log.data).toEqual([expect.objectContaining({ endpoint_id: id, type: 'entitlements.updated', status: 'succeeded', attempts: 1, last_status_code: 200, message_id: got.headers['webhook-id'] })]);
  });

  it('retries a failing endpoint on the schedule with the same webhook-id, and logs every attempt', async () => {
    const { id, secret } = await endpoint();
    receiver.respondWith(500, 503);
    await grant();
    await t.services.jobs.drain();
    const [delivery] = (await api('GET', `/v1/webhook_deliveries?endpoint=${id}`)).json().data;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500, last_error: 'HTTP 500', next_attempt_at: new Date(t.clock.now().getTime() + 5_000).toISOString() });
    // Not due yet: nothing is sent.
    await t.services.jobs.drain();
    expect(receiver.received).toHaveLength(1);
    t.clock.advance(5_000);
    await t.services.jobs.drain();
    expect((await api('GET', `/v1/webhook_deliveries/${delivery.id}`)).json()).toMatchObject({ status: 'pending', attempts: 2, last_status_code: 503 });
    t.clock.advance(300_000);
    await t.services.jobs.drain();
    const detail = (await api('GET', `/v1/webhook_deliveries/${delivery.id}`)).json();
    expect(detail).toMatchObject({ status: 'succeeded', attempts: 3, last_status_code: 200, last_error: null, next_attempt_at: null, payload: { type: 'entitlements.updated' } });
    expect(detail.attempt_log.map((a: { status_code: number; trigger: string }) => [a.status_code, a.trigger])).toEqual([[500, 'automatic'], [503, 'automatic'], [200, 'automatic']]);
    expect(detail.attempt_log[0].response_excerpt).toBe('nope 500');
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.message_id]));
    for (const r of receiver.received) expect(() => verify(secret, r)).not.toThrow();
  });

  it('gives up after the last attempt; a manual resend sends the same message again', async () => {
    const { id } = await endpoint();
    receiver.respondWith(...Array(8).fill(500));
    await grant();
    for (let i = 0; i < 8; i++) {
      await t.services.jobs.drain();
      t.clock.advance(36_000_000);
    }
    const [failed] = (await api('GET', `/v1/webhook_deliveries?endpoint=${id}&status=failed`)).json().data;
    expect(failed).toMatchObject({ status: 'failed', attempts: 8, next_attempt_at: null });
    expect(receiver.received).toHaveLength(8);

    const resent = await api('POST', `/v1/webhook_deliveries/${failed.id}/resend`);
    expect(resent.statusCode).toBe(202);
    await t.services.jobs.drain();
    const detail = (await api('GET', `/v1/webhook_deliveries/${failed.id}`)).json();
    expect(detail).toMatchObject({ status: 'succeeded', attempts: 9 });
    expect(detail.attempt_log.at(-1)).toMatchObject({ attempt: 9, trigger: 'resend', status_code: 200 });
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(failed.message_id);
    expect((await api('POST', '/v1/webhook_deliveries/00000000-0000-0000-0000-000000000000/resend')).statusCode).toBe(404);
  });

  it('an endpoint gets only the event types it asked for', async () => {
    const { id } = await endpoint({ enabled_events: ['checkout.completed', 'invoice.payment_failed'] });
    await grant();
    await t.services.jobs.drain();
    expect(receiver.received).toHaveLength(0);
    expect((await api('GET', `/v1/webhook_deliveries?endpoint=${id}`)).json().data).toEqual([]);
    const widened = await api('PATCH', `/v1/webhook_endpoints/${id}`, { enabled_events: ['entitlements.updated'] });
    expect(widened.json().enabled_events).toEqual(['entitlements.updated']);
    await grant();
    await t.services.jobs.drain();
    expect(receiver.received).toHaveLength(1);
  });

  it('disabling an endpoint cancels its pending deliveries and stops new ones', async () => {
    const { id } = await endpoint();
    receiver.respondWith(500);
    await grant();
    await t.services.jobs.drain();
    const disabled = await api('PATCH', `/v1/webhook_endpoints/${id}`, { disabled: true });
    expect(disabled.json().disabled).toBe(true);
    const [delivery] = (await api('GET', `/v1/webhook_deliveries?endpoint=${id}`)).json().data;
    expect(delivery).toMatchObject({ status: 'canceled', next_attempt_at: null });
    t.clock.advance(10_000);
    await grant();
    await t.services.jobs.drain();
    expect(receiver.received).toHaveLength(1);
    const resend = await api('POST', `/v1/webhook_deliveries/${delivery.id}/resend`);
    expect([resend.statusCode, resend.json().error.code]).toEqual([409, 'webhook_endpoint_disabled']);
    await api('PATCH', `/v1/webhook_endpoints/${id}`, { disabled: false });
    expect((await api('POST', `/v1/webhook_deliveries/${delivery.id}/resend`)).statusCode).toBe(202);
    await t.services.jobs.drain();
    expect(receiver.received).toHaveLength(2);
  });

  it('a rotated secret signs every later attempt; the old one no longer verifies', async () => {
    const { id, secret: old } = await endpoint();
    const rotated = await api('POST', `/v1/webhook_endpoints/${id}/rotate_secret`);
    const secret = rotated.json().secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(old);
    await grant();
    await t.services.jobs.drain();
    const got = receiver.received[0]!;
    expect(() => verify(secret, got)).not.toThrow();
    expect(() => verify(old, got)).toThrow();
  });

  it('another tenant sees none of the endpoints or deliveries; a publishable key and a viewer cannot manage them', async () => {
    const { id } = await endpoint();
    await grant();
    await t.services.jobs.drain();
    const [delivery] = (await api('GET', `/v1/webhook_deliveries?endpoint=${id}`)).json().data;

    const other = await signUp(t.app, { email: 'owner@globex.test', password: PASSWORD, tenant_name: 'Globex' });
    const otherKey = (await other.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'test' } })).json().key;
    expect((await api('GET', '/v1/webhook_endpoints', undefined, otherKey)).json().data).toEqual([]);
    expect((await api('GET', '/v1/webhook_deliveries', undefined, otherKey)).json().data).toEqual([]);
    for (const [method, url, body] of [
      ['GET', `/v1/webhook_endpoints/${id}`],
      ['PATCH', `/v1/webhook_endpoints/${id}`, { disabled: true }],
      ['POST', `/v1/webhook_endpoints/${id}/rotate_secret`],
      ['DELETE', `/v1/webhook_endpoints/${id}`],
      ['GET', `/v1/webhook_deliveries/${delivery.id}`],
      ['POST', `/v1/webhook_deliveries/${delivery.id}/resend`],
    ] as const) {
      expect([method, url, (await api(method, url, body, otherKey)).statusCode]).toEqual([method, url, 404]);
    }
    // Live mode is another world: the test-mode endpoint is not there.
    const live = (await owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret', mode: 'live' } })).json().key;
    expect((await api('GET', `/v1/webhook_endpoints/${id}`, undefined, live)).statusCode).toBe(404);

    const pk = (await owner.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'publishable', mode: 'test' } })).json().key;
    expect((await api('GET', '/v1/webhook_endpoints', undefined, pk)).statusCode).toBe(403);
    expect((await api('POST', '/v1/webhook_endpoints', { url: receiver.url }, pk)).statusCode).toBe(403);
    expect((await api('GET', '/v1/webhook_deliveries', undefined, pk)).statusCode).toBe(403);
    expect((await api('GET', `/v1/webhook_endpoints/${id}`)).statusCode).toBe(200);
  });
});
