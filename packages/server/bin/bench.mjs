#!/usr/bin/env node
// `npm run bench -- <name> [args]`: runs packages/server/bench/<name>.ts. With
// no name, lists the benchmarks. Each prints its own result next to a baseline
// measured in the same run, and the ratio between them.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const dir = fileURLToPath(new URL('../bench/', import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [options]\n`);
  process.exit(name ? 2 : 0);
}
register();
const mod = await import(new URL(`../bench/${name}.ts`, import.meta.url).href);
await mod.main(rest);
