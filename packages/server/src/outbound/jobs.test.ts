/**
 * Sending one delivery: what the tenant's server answered, redirects left
 * alone, a hard time limit, and (in production) no request into our own
 * network, even through a name that resolves there now (DNS rebinding).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from './jobs.ts';

describe('sending a delivery', () => {
  const leakedSecret = `whsec_${randomBytes(12).toString('hex')}`;
  let server: Server;
  let port: number;
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req.url!);
      if (req.url === '/slow') return; // never answers
      if (req.url === '/moved') return res.writeHead(302, { location: 'http://example.test/' }).end();
      res.writeHead(req.url === '/fail' ? 500 : 200).end(req.url === '/fail' ? `broken: ${leakedSecret}` : 'x'.repeat(2_000));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (path: string, publicOnly = false, host = '127.0.0.1', timeoutMs = 2_000) => post(`http://${host}:${port}${path}`, { 'content-type': 'application/json' }, '{"a":1}', timeoutMs, publicOnly);

  it('records the status and a bounded, redacted excerpt of the answer', async () => {
    const ok = await send('/ok');
    expect([ok.statusCode, ok.error, ok.excerpt?.length]).toEqual([200, null, 500]);
    const failed = await send('/fail');
    expect([failed.statusCode, failed.error]).toEqual([500, 'HTTP 500']);
    expect(failed.excerpt).toContain('broken:');
    expect(failed.excerpt).not.toContain(leakedSecret);
  });

  it('does not follow a redirect and says where it pointed', async () => {
    const moved = await send('/moved');
    expect([moved.statusCode, moved.error]).toEqual([302, 'redirect to http://example.test/ (not followed)']);
  });

  it('gives up after the time limit', async () => {
    const slow = await send('/slow', false, '127.0.0.1', 300);
    expect([slow.statusCode, slow.error]).toEqual([null, 'timed out after 300 ms']);
  });

  it('in production sends nothing to a private address, by IP or by a name resolving to one', async () => {
    const before = received.length;
    const literal = await send('/ok', true);
    expect([literal.statusCode, literal.error]).toEqual([null, '127.0.0.1 is a private address']);
    const named = await send('/ok', true, 'localhost');
    expect(named.statusCode).toBeNull();
    expect(named.error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a private address$/);
    expect(received.length).toBe(before);
  });
});
