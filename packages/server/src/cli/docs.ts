/** `tollgate docs config`: print (or write into the README) the configuration reference. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configReference, updateReadme } from '../config/docs.ts';

export function registerDocsCommands(program: Command): void {
  const docs = program.command('docs').description('Generated documentation.');
  docs
    .command('config')
    .description('Print the configuration reference (markdown).')
    .option('--write <file>', 'replace the generated block of this README instead of printing')
    .action((options: { write?: string }) => {
      if (!options.write) {
        process.stdout.write(`${configReference()}\n`);
        return;
      }
      writeFileSync(options.write, updateReadme(readFileSync(options.write, 'utf8')));
      process.stdout.write(`updated the configuration reference in ${options.write}\n`);
    });
}
