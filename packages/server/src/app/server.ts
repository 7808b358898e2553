/**
 * Running the server: opens the runtime (secrets, database, migrations), builds
 * the app and listens. Returns a handle whose `stop()` shuts everything down in
 * order; SIGINT/SIGTERM call it too.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import { buildApp, type BuiltApp, type RouteModule } from './app.ts';
import { closeRuntime, openRuntime, type RuntimeOptions } from './runtime.ts';

export { VERSION } from './runtime.ts';

export interface RunningServer extends BuiltApp {
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config, options: RuntimeOptions & { modules?: RouteModule[] } = {}): Promise<RunningServer> {
  const deps = await openRuntime(config, options);
  const built = buildApp(deps, options.modules);
  await built.app.listen({ port: config.port, host: config.host });
  if (config.workers) {
    await built.services.jobs.start();
    await built.services.entitlements.scheduleSweep();
    await built.services.idempotency.schedulePurge();
  }
  const address = built.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await built.app.close();
      await built.services.jobs.stop();
      await closeRuntime(deps);
    })());
  return { ...built, url: `http://${host}:${port}`, stop };
}

/** Stops the server on SIGINT/SIGTERM, with a hard exit if shutdown hangs. */
export function stopOnSignals(server: { stop(): Promise<void> }, logger: Logger): void {
  const onSignal = (signal: string) => {
    logger.info(`${signal}: shutting down`);
    setTimeout(() => process.exit(1), 10_000).unref();
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
}
