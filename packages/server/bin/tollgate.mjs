#!/usr/bin/env node
// The `tollgate` command. Runs the TypeScript sources directly through tsx, so
// there is no build step between a git pull and a restart.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
