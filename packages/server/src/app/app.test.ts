/**
 * The HTTP server the app factory builds: it brings its own server (for the
 * entitlement fast lane) and must still behave like the one Fastify would
 * have made, timeouts included, and shut down promptly.
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRoute } from '../http/route.ts';
import { createTestApp, type TestApp } from '../../test/app.ts';

describe('the HTTP server', () => {
  let t: TestApp;
  let release: (() => void) | undefined;
  beforeAll(async () => {
    t = await createTestApp({
      modules: [
        () => [
          defineRoute({
            method: 'GET',
            url: '/test/slow',
            summary: 'answers when the test says so',
            tags: ['test'],
            access: 'public',
            response: z.object({ ok: z.boolean() }),
            handler: () => new Promise((resolve) => (release = () => resolve({ ok: true }))),
          }),
        ],
      ],
    });
  });
  afterAll(async () => t.close());

  it("keeps Fastify's keep-alive (longer than load balancers' idle timeouts) and its request and connection timeouts", () => {
    expect(t.app.server.keepAliveTimeout).toBe(72_000);
    expect(t.app.server.requestTimeout).toBe(0);
    expect(t.app.server.timeout).toBe(0);
  });

  it('finishes a request that was running when shutdown began, then closes its keep-alive connection instead of waiting out the keep-alive', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const agent = new Agent({ keepAlive: true });
    const { port } = t.app.server.address() as AddressInfo;
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/test/slow', agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
        .on('error', reject)
        .end();
    });
    await expect.poll(() => release !== undefined).toBe(true); // the request is in the handler
    const closed = t.app.close();
    release!();
    expect(await answer).toEqual({ status: 200, body: '{"ok":true}' });
    await closed; // within the test's time limit, far below the 72 s keep-alive
    agent.destroy();
  }, 10_000);
});
