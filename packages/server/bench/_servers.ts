/**
 * Child processes for benchmarks, so the load generator does not share the
 * event loop with the server it measures: the real `tollgate serve`, and a
 * bare Node http server answering a fixed body (the baseline).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/tollgate.mjs', import.meta.url));

export interface Child {
  url: string;
  stop(): Promise<void>;
}

function waitForUrl(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => { if (process.env.BENCH_DEBUG) process.stderr.write(d); });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}\n${out}`)));
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

export async function startTollgate(env: Record<string, string>): Promise<Child> {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, LOG_LEVEL: 'warn', TOLLGATE_WORKERS: 'false', ...env },
  });
  const url = await waitForUrl(child, /Tollgate is running at (\S+)/, 'tollgate serve');
  return { url, stop: stopper(child) };
}

/** A bare Node http server answering `body` to every request. */
export async function startBaseline(body: string): Promise<Child> {
  const code = `
    const http = require('node:http');
    const body = Buffer.from(${JSON.stringify(body)});
    const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }); res.end(body); });
    server.listen(0, '127.0.0.1', () => console.log('baseline at http://127.0.0.1:' + server.address().port));
  `;
  const child = spawn(process.execPath, ['-e', code]);
  const url = await waitForUrl(child, /baseline at (\S+)/, 'baseline server');
  return { url, stop: stopper(child) };
}
