/**
 * Embedded PostgreSQL (PGlite) adapter: the zero-setup default for `npm start`
 * and fast local tests. PGlite runs with fsync off and one connection, so it is
 * for trying and developing, not for production.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable, Row } from './types.ts';

interface PGliteLike {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(target: PGliteLike): Queryable {
  return {
    async query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await target.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/** `dataDir` undefined means in memory. */
export async function openPglite(dataDir?: string): Promise<Db> {
  return wrapPglite(dataDir ? new PGlite(dataDir) : new PGlite());
}

/** An in-memory database that starts as a copy of `snapshot` (see `dumpSnapshot`). */
export async function openPgliteFrom(snapshot: Blob): Promise<Db> {
  return wrapPglite(new PGlite({ loadDataDir: snapshot }));
}

async function wrapPglite(pglite: PGlite): Promise<Db & { dumpSnapshot(): Promise<Blob> }> {
  await pglite.waitReady;
  const direct = wrap(pglite);
  let sessionQueue: Promise<unknown> = Promise.resolve();
  return {
    kind: 'pglite',
    query: direct.query,
    exec: direct.exec,
    transaction(fn, preamble) {
      return pglite.transaction(async (tx) => {
        if (preamble) await tx.exec(preamble);
        return fn(wrap(tx));
      });
    },
    session(fn) {
      // PGlite has a single connection, so session-level advisory locks do not
      // exclude anything here: serialize sessions in-process instead.
      const run = sessionQueue.then(() => fn(direct));
      sessionQueue = run.catch(() => undefined);
      return run;
    },
    async listen(channel, onMessage) {
      const unlisten = await pglite.listen(channel, onMessage);
      return async () => {
        if (!pglite.closed) await unlisten();
      };
    },
    async dumpSnapshot() {
      return (await pglite.dumpDataDir('none')) as Blob;
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
