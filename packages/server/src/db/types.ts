/**
 * The one small database interface every domain uses. Two adapters implement
 * it: PostgreSQL through `pg` (production, CI) and PGlite (embedded default).
 * The same SQL runs on both.
 */

export type Row = Record<string, any>;

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows returned, or rows changed by INSERT/UPDATE/DELETE. */
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Hot-path statements: prepared once per PostgreSQL connection and reused
   * (skips parsing and planning). Ignored by PGlite and when prepared
   * statements are turned off (TOLLGATE_DB_PREPARED_STATEMENTS=false).
   * Only for statements that name their result columns: a `*` would break a
   * running instance's prepared statement when a migration adds a column.
   */
  prepared?: boolean;
}

export interface Queryable {
  query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction: committed if it resolves, rolled back if it
   * throws. `preamble` is parameterless SQL run first, sent together with
   * BEGIN in one round trip where the driver allows it.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, preamble?: string): Promise<T>;
  /** Runs `fn` on one dedicated connection (for session-level advisory locks). */
  session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel (cross-instance cache invalidation). Send
   * with `select pg_notify(channel, payload)` inside a transaction: listeners
   * hear it only once that transaction commits. Returns an unsubscribe function.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** PGlite only: a copy of the whole database (tests start from a migrated snapshot). */
  dumpSnapshot?(): Promise<Blob>;
}
