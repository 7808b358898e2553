/** `tollgate sandbox`: serve the offline Stripe emulator. */
import type { Command } from 'commander';

export function registerSandboxCommands(program: Command): void {
  program
    .command('sandbox')
    .description('Serve the Stripe sandbox (an offline emulator of the Stripe API) on 127.0.0.1.')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runSandboxCli } = await import('@tollgate/stripe-sandbox');
      await runSandboxCli(args);
    });
}
