/**
 * Persistence for the offline demo: with `dataFile`, the whole state (objects,
 * events, accounts, OAuth tokens, the sandbox clock's offset) is written as JSON —
 * debounced, to a temp file then renamed, so a crash never leaves half a file — and
 * loaded again at start. Pending webhook deliveries and idempotency keys are not kept.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Accounts, type AccountsDump } from './core/accounts.ts';
import type { Runtime } from './core/runtime.ts';
import { Store, type StoreDump } from './core/store.ts';

interface StateFile {
  format: 'tollgate-stripe-sandbox';
  version: 1;
  savedAt: string;
  clockOffsetMs: number;
  store: StoreDump;
  accounts: AccountsDump;
}

export class Persistence {
  private readonly file: string;
  private readonly rt: Runtime;
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** Writes run one after another on this chain. */
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  /** The last write's failure, if it failed (the next change retries). */
  lastError: Error | null = null;

  constructor(file: string, rt: Runtime, debounceMs = 100) {
    this.file = file;
    this.rt = rt;
    this.debounceMs = debounceMs;
  }

  /** Load the saved state into the runtime; false when there is no file yet. */
  load(): boolean {
    if (!existsSync(this.file)) return false;
    const data = JSON.parse(readFileSync(this.file, 'utf8')) as StateFile;
    if (data.format !== 'tollgate-stripe-sandbox' || data.version !== 1) throw new Error(`${this.file} is not a Stripe sandbox state file (version 1)`);
    this.rt.store = Store.load(data.store);
    this.rt.accounts = Accounts.load(data.accounts);
    this.rt.clock.setOffset(Math.max(this.rt.clock.offset, data.clockOffsetMs ?? 0));
    return true;
  }

  /** Note a change; the state is written after `debounceMs` of quiet. */
  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Write now if anything changed, after any write in progress, and wait for it. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    return this.write();
  }

  private write(): Promise<void> {
    this.chain = this.chain.then(() => this.writeIfDirty());
    return this.chain;
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const state: StateFile = {
      format: 'tollgate-stripe-sandbox',
      version: 1,
      savedAt: new Date().toISOString(),
      clockOffsetMs: this.rt.clock.offset,
      store: this.rt.store.dump(),
      accounts: this.rt.accounts.dump(),
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      await writeFile(tmp, JSON.stringify(state));
      await rename(tmp, this.file);
      this.lastError = null;
    } catch (err) {
      this.dirty = true;
      this.lastError = err instanceof Error ? err : new Error(String(err));
    }
  }
}
