/** Readable log lines: what a person at a terminal sees, secrets still redacted. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { formatLine, prettyDestination } from './pretty.ts';

function capture() {
  const lines: string[] = [];
  const out = { write: (chunk: string) => lines.push(chunk), isTTY: false } as unknown as NodeJS.WritableStream;
  return { lines, logger: createLogger({ level: 'info', destination: prettyDestination(out, false) }) };
}

describe('pretty logs', () => {
  it('prints time, level, message and the other fields on one line, with secrets redacted', () => {
    const { lines, logger } = capture();
    const stripeKey = `sk_test_${randomBytes(8).toString('hex')}`;
    logger.info({ tenantId: 't_1', mode: 'test', secret_key: stripeKey, note: 'two words' }, 'stripe connected');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}stripe connected {2}tenantId=t_1 mode=test secret_key="?\[REDACTED\]"? note="two words"\n$/);
    expect(lines.join('')).not.toContain(stripeKey);
  });

  it('shrinks the access log to one line per request', () => {
    const incoming = JSON.stringify({ level: 30, time: 0, msg: 'incoming request', req: { method: 'GET', url: '/v1/products' }, reqId: 'req_1' });
    const done = JSON.stringify({ level: 30, time: 0, msg: 'request completed', res: { statusCode: 200 }, responseTime: 4.123, reqId: 'req_1' });
    const requests = new Map<string, string>();
    expect(formatLine(incoming, false, requests)).toBeNull();
    expect(formatLine(done, false, requests)).toBe('00:00:00.000 INFO  GET /v1/products 200 4.1 ms  reqId=req_1\n');
    expect(requests.size).toBe(0);
  });

  it('shows an error with its code, message and (for errors) the stack, indented', () => {
    const { lines, logger } = capture();
    logger.error({ err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }, 'database unreachable');
    const text = lines.join('');
    expect(text).toContain('ERROR database unreachable  err="ECONNREFUSED: connect ECONNREFUSED"');
    expect(text).toMatch(/\n {4}Error: connect ECONNREFUSED\n {4}\s*at /);
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLine('plain text')).toBe('plain text\n');
  });
});
