/**
 * The command line: `tollgate sandbox [--port 12111] [--host 127.0.0.1]
 * [--data-file path] [--seed s] [--webhook-retry-schedule 1000,2000,…]` serves the
 * sandbox and prints its URL; Ctrl-C stops it and writes the state file.
 */
import { startSandbox, type Sandbox } from './index.ts';
import type { SandboxOptions } from './sandbox.ts';

export const DEFAULT_PORT = 12111;

const USAGE = `Usage: tollgate sandbox [options]

Serve the Stripe API emulator (for tests, the offline demo and the go-live rehearsal).

Options:
  --port <n>                      port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host <addr>                   interface to listen on (default 127.0.0.1)
  --data-file <path>              keep the sandbox's objects in this JSON file across restarts
  --seed <s>                      make ids and fault decisions reproducible
  --webhook-retry-schedule <ms,…> waits between webhook delivery attempts (default 1000,2000,5000,10000,30000)
  --help                          show this help
`;

export interface CliOptions {
  /** Where the URL and messages go (default: process.stdout). */
  print?: (line: string) => void;
  /** Stop cleanly on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

/** Parse the CLI's flags into sandbox options; throws with a usage message on bad input. */
export function parseSandboxArgs(argv: string[]): SandboxOptions & { help?: boolean } {
  const opts: SandboxOptions & { help?: boolean } = { port: DEFAULT_PORT, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer between 0 and 65535\n\n${USAGE}`);
        opts.port = port;
        break;
      }
      case '--host':
        opts.host = value();
        break;
      case '--data-file':
        opts.dataFile = value();
        break;
      case '--seed':
        opts.seed = value();
        break;
      case '--webhook-retry-schedule': {
        const schedule = value().split(',').map((s) => Number(s.trim()));
        if (schedule.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`--webhook-retry-schedule takes comma-separated milliseconds\n\n${USAGE}`);
        opts.webhookRetrySchedule = schedule;
        break;
      }
      case '--help':
      case '-h':
        opts.help = true;
        break;
      default:
        throw new Error(`Unknown option: ${arg}\n\n${USAGE}`);
    }
  }
  return opts;
}

/** Run the sandbox from the command line; resolves with the running sandbox (null after --help). */
export async function runSandboxCli(argv: string[], cli: CliOptions = {}): Promise<Sandbox | null> {
  const print = cli.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { help, ...opts } = parseSandboxArgs(argv);
  if (help) {
    print(USAGE);
    return null;
  }
  const sandbox = await startSandbox(opts);
  print(`Stripe sandbox listening on ${sandbox.url}`);
  print(`  SDK: new Stripe('sk_test_…', { host: '${sandbox.host}', port: ${sandbox.port}, protocol: 'http' })`);
  if (opts.dataFile) print(`  state: ${opts.dataFile}`);
  if (cli.handleSignals ?? true) {
    const shutdown = (): void => {
      void sandbox.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  }
  return sandbox;
}
