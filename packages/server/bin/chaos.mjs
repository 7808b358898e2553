#!/usr/bin/env node
// `npm run chaos -- <name> [args]`: runs packages/server/test/chaos/<name>.ts,
// a harness that drives the Stripe sandbox against real Tollgate processes
// while injecting faults, then checks the outcome. With no name, lists them.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const dir = fileURLToPath(new URL('../test/chaos/', import.meta.url));
const harnesses = ['webhooks'].filter((name) => readdirSync(dir).includes(`${name}.ts`));
const [name, ...rest] = process.argv.slice(2);
if (!name || !harnesses.includes(name)) {
  process.stderr.write(`usage: npm run chaos -- <${harnesses.join('|')}> [options]\n`);
  process.exit(name ? 2 : 0);
}
register();
const mod = await import(new URL(`../test/chaos/${name}.ts`, import.meta.url).href);
await mod.main(rest);
