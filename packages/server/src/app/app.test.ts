/**
 * The HTTP server the app factory builds: it brings its own server (for the
 * entitlement fast lane) and must still behave like the one Fastify would
 * have made, timeouts included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.ts';

describe('the HTTP server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it("keeps Fastify's keep-alive (longer than load balancers' idle timeouts) and its request and connection timeouts", () => {
    expect(t.app.server.keepAliveTimeout).toBe(72_000);
    expect(t.app.server.requestTimeout).toBe(0);
    expect(t.app.server.timeout).toBe(0);
  });
});
