/**
 * PostgreSQL adapter over a `pg` pool. int8 is parsed as a JS number (our
 * counters and amounts fit), matching what PGlite returns.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, QueryOptions, QueryResult, Queryable, Row } from './types.ts';

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * A pool, or one checked-out client (a transaction). A client runs one
 * statement at a time: statements issued together (a Promise.all inside a
 * transaction) wait their turn here, in order, instead of piling up inside
 * pg, which deprecates that and will refuse it.
 */
function wrap(client: pg.PoolClient | pg.Pool, names: StatementNames | null): Queryable & { idle(): Promise<unknown> } {
  const serial = !(client instanceof pg.Pool);
  let turn: Promise<unknown> = Promise.resolve();
  const run = (query: string | pg.QueryConfig, params?: unknown[]) => {
    const send = () => (typeof query === 'string' ? client.query(query, params) : client.query(query));
    if (!serial) return send();
    const result = turn.then(send);
    turn = result.catch(() => undefined);
    return result;
  };
  return {
    async query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const values = params as unknown[] | undefined;
      const result = await run(options?.prepared && names ? { name: names.of(text), text, values } : text, values);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await run(sql);
    },
    /** Resolves once every statement issued so far has finished. */
    idle: () => turn,
  };
}

/** Statement names derived from the SQL text, so one text always has one name. */
class StatementNames {
  private readonly names = new Map<string, string>();
  of(text: string): string {
    let name = this.names.get(text);
    if (!name) this.names.set(text, (name = `tg_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
    return name;
  }
}

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** Prepare the statements marked `prepared` (default true; off behind PgBouncer before 1.21 in transaction mode). */
  preparedStatements?: boolean;
}

export function openPostgres(options: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types,
    application_name: options.applicationName ?? 'tollgate',
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  const names = options.preparedStatements === false ? null : new StatementNames();
  const direct = wrap(pool, names);
  const listener = new NotificationListener(options.url, options.applicationName ?? 'tollgate');
  return {
    kind: 'postgres',
    query: direct.query,
    exec: direct.exec,
    async transaction(fn, preamble) {
      const client = await pool.connect();
      const tx = wrap(client, names);
      try {
        await tx.exec(preamble ? `BEGIN; ${preamble}` : 'BEGIN');
        const result = await fn(tx);
        await tx.exec('COMMIT'); // after any statement still queued
        return result;
      } catch (err) {
        // Statements still queued run (and fail: the transaction is aborted) before the rollback, never after it.
        await tx.idle();
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async session(fn) {
      const client = await pool.connect();
      const conn = wrap(client, names);
      try {
        return await fn(conn);
      } finally {
        await conn.idle();
        client.release();
      }
    },
    listen(channel, onMessage) {
      return listener.subscribe(channel, onMessage);
    },
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * One dedicated LISTEN connection per process, reconnecting with backoff. After
 * a reconnect every subscriber receives the payload "*", meaning "you may have
 * missed messages: drop everything cached".
 */
class NotificationListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  /** LISTEN statements run one after another: a pg client must not be sent a query while one is running. */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly applicationName: string,
  ) {}

  async subscribe(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const fresh = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(onMessage);
    const client = await this.connect();
    if (fresh) await this.listen(client, channel);
    return async () => {
      set.delete(onMessage);
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, application_name: `${this.applicationName}-listen` });
      client.on('notification', (msg) => {
        for (const fn of this.handlers.get(msg.channel) ?? []) fn(msg.payload ?? '');
      });
      client.on('error', () => this.reconnect(client));
      client.on('end', () => this.reconnect(client));
      await client.connect();
      for (const channel of this.handlers.keys()) await this.listen(client, channel);
      this.client = client;
      this.connecting = undefined;
      return client;
    })().catch((err) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private listen(client: pg.Client, channel: string): Promise<void> {
    const done = this.pending.then(() => client.query(`listen ${pg.escapeIdentifier(channel)}`)).then(() => undefined);
    this.pending = done.catch(() => undefined);
    return done;
  }

  private reconnect(dead: pg.Client): void {
    if (this.client !== dead || this.closed) return;
    this.client = undefined;
    const retry = (delay: number) =>
      setTimeout(() => {
        if (this.closed) return;
        this.connect().then(
          () => {
            // Messages may have been missed while disconnected.
            for (const set of this.handlers.values()) for (const fn of set) fn('*');
          },
          () => retry(Math.min(delay * 2, 10_000)),
        );
      }, delay).unref();
    retry(250);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
