/**
 * @tollgate/stripe-sandbox — a stateful emulator of the part of Stripe's API that
 * Tollgate uses. `startSandbox()` serves it over HTTP for the official `stripe` SDK
 * (`new Stripe('sk_test_…', { host: '127.0.0.1', port, protocol: 'http' })`) and
 * returns handles for tests: the clock, faults, webhook deliveries, accounts.
 * `runSandboxCli()` is what `tollgate sandbox` runs.
 */
import type Stripe from 'stripe';
import type { ResponseInfo } from './core/api.ts';
import type { DeliveryRecord } from './core/delivery.ts';
import type { FaultRule, FaultState } from './core/faults.ts';
import { accountIdForKey } from './core/ids.ts';
import type { SandboxSettings } from './core/runtime.ts';
import { clientIdFor, type NewConnectedAccount } from './resources/connect.ts';
import { TEST_CARDS, type TestCard } from './resources/cards.ts';
import { launch, type SandboxOptions } from './sandbox.ts';

export type { SandboxOptions, ResponseInfo, DeliveryRecord, FaultRule, FaultState, SandboxSettings, NewConnectedAccount, TestCard };
export { TEST_CARDS, accountIdForKey };
export { signPayload } from './core/delivery.ts';
export { API_VERSION } from './core/runtime.ts';
export { runSandboxCli, parseSandboxArgs } from './cli.ts';

export interface DeliveryFilter {
  eventId?: string;
  eventType?: string;
  endpointId?: string;
  account?: string;
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:12111`. */
  url: string;
  port: number;
  host: string;
  /** Stop serving, drop pending deliveries, write the state file. */
  stop(): Promise<void>;
  /** The sandbox clock (unix seconds). Advancing runs everything that falls due, in order. */
  clock: {
    now(): number;
    advance(seconds: number): number;
    advanceTo(unixSeconds: number): number;
  };
  faults: {
    set(rules: FaultRule[]): void;
    add(rule: FaultRule): FaultState;
    clear(): void;
    list(): FaultState[];
  };
  /** Every webhook delivery attempt so far (oldest first). */
  deliveries(filter?: DeliveryFilter): DeliveryRecord[];
  /** Resolves once every webhook delivery succeeded or ran out of retries. */
  waitForDeliveries(timeoutMs?: number): Promise<void>;
  /** A new connected account of the platform that `platformKey` (sk_test_…) or `acct_…` stands for. */
  createConnectedAccount(platform: string, opts?: NewConnectedAccount): Stripe.Account;
  /** The Connect client id (`ca_…`) of a platform, for `/oauth/authorize`. */
  connectClientId(platform: string): string;
  /** The account a secret key acts as. */
  accountIdForKey(key: string): string;
  /** Live settings (retry schedules, what happens when renewal retries run out). */
  settings: SandboxSettings;
  configure(settings: Partial<SandboxSettings>): void;
  /** Forget every object, event, account and delivery. */
  reset(): void;
  /** Write the state file now (with `dataFile`). */
  flush(): Promise<void>;
}

function platformId(platform: string): string {
  return platform.startsWith('acct_') ? platform : accountIdForKey(platform);
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const started = await launch(opts);
  const { rt } = started.internals;
  return {
    url: started.url,
    port: started.port,
    host: started.host,
    stop: () => started.stop(),
    clock: {
      now: () => rt.clock.now(),
      advance: (seconds) => started.internals.advanceClock({ seconds }),
      advanceTo: (to) => started.internals.advanceClock({ to }),
    },
    faults: {
      set: (rules) => rt.faults.set(rules),
      add: (rule) => rt.faults.add(rule),
      clear: () => rt.faults.clear(),
      list: () => rt.faults.list(),
    },
    deliveries: (filter = {}) =>
      rt.deliveries.log.filter((d) =>
        (!filter.eventId || d.event_id === filter.eventId) &&
        (!filter.eventType || d.event_type === filter.eventType) &&
        (!filter.endpointId || d.endpoint_id === filter.endpointId) &&
        (!filter.account || d.account === filter.account)),
    waitForDeliveries: (timeoutMs) => rt.deliveries.settled(timeoutMs),
    createConnectedAccount: (platform, connectOpts) => started.internals.createConnectedAccount(platformId(platform), connectOpts),
    connectClientId: (platform) => clientIdFor(rt, platformId(platform)),
    accountIdForKey,
    settings: rt.settings,
    configure: (settings) => started.internals.configure(settings),
    reset: () => started.internals.reset(),
    flush: async () => {
      await started.persistence?.flush();
      if (started.persistence?.lastError) throw started.persistence.lastError;
    },
  };
}
