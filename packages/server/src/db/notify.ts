/**
 * Cross-instance invalidation over PostgreSQL NOTIFY. A service that changes
 * something other processes cache calls `notifyChange(tx, topic, id)` inside its
 * transaction; every process (this one included) hears it after commit and
 * drops what it cached. Messages are `topic:id`; `*` means "drop everything"
 * (sent after a listener reconnects, when messages may have been missed).
 */
import type { Db, Queryable } from './types.ts';

export const CHANGES_CHANNEL = 'tollgate_changes';

export async function notifyChange(tx: Queryable, topic: string, id: string): Promise<void> {
  await tx.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, `${topic}:${id}`]);
}

export type ChangeHandler = (id: string) => void;

/** Routes change messages to handlers by topic; one LISTEN per process. */
export class ChangeFeed {
  private readonly handlers = new Map<string, Set<ChangeHandler>>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    this.unlisten ??= await this.db.listen(CHANGES_CHANNEL, (payload) => this.dispatch(payload));
  }

  on(topic: string, handler: ChangeHandler): void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
  }

  /** Delivers a message locally (also used when a change must be seen before commit returns). */
  dispatch(payload: string): void {
    if (payload === '*') {
      for (const set of this.handlers.values()) for (const fn of set) fn('*');
      return;
    }
    const at = payload.indexOf(':');
    if (at < 0) return;
    for (const fn of this.handlers.get(payload.slice(0, at)) ?? []) fn(payload.slice(at + 1));
  }

  async stop(): Promise<void> {
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    if (unlisten) await unlisten();
  }
}
