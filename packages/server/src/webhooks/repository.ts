/** Every SQL statement about stored webhook events. Tenant id is a required argument of each. */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';
import { jobInsertParams, jobInsertSql, type NewJob } from '../jobs/repository.ts';

export type EventStatus = 'pending' | 'retrying' | 'processed' | 'ignored' | 'failed';

export interface WebhookEventRow {
  tenant_id: string;
  id: string;
  seq: string;
  mode: Mode;
  endpoint_id: string;
  type: string;
  account: string | null;
  livemode: boolean;
  api_version: string | null;
  created: Date;
  object_type: string | null;
  object_id: string | null;
  payload: Record<string, unknown>;
  status: EventStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  outcome: string | null;
  received_at: Date;
  processed_at: Date | null;
}

export interface NewWebhookEvent {
  id: string;
  mode: Mode;
  endpointId: string;
  type: string;
  account: string | null;
  livemode: boolean;
  apiVersion: string | null;
  created: Date;
  objectType: string | null;
  objectId: string | null;
  /** The raw JSON text of the event, exactly as received. */
  payloadJson: string;
  status: 'pending' | 'ignored';
  outcome: string | null;
  receivedAt: Date;
}

const SUMMARY_COLUMNS = `id, seq, mode, type, account, livemode, api_version, created, object_type, object_id, status, attempts, last_error,
  next_attempt_at, outcome, received_at, processed_at`;

function typeFilter(type: string | undefined): string | null {
  if (!type) return null;
  return type.endsWith('*') ? `${type.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%` : type.replace(/[\\%_]/g, '\\$&');
}

const INSERT_EVENT = `insert into webhook_events (tenant_id, id, mode, endpoint_id, type, account, livemode, api_version, created, object_type, object_id,
                                   payload, status, outcome, received_at, processed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, case when $13 = 'ignored' then $15::timestamptz end)
       on conflict (tenant_id, id) do nothing`;

function eventParams(tenantId: string, e: NewWebhookEvent): unknown[] {
  return [tenantId, e.id, e.mode, e.endpointId, e.type, e.account, e.livemode, e.apiVersion, e.created, e.objectType, e.objectId, e.payloadJson, e.status, e.outcome, e.receivedAt];
}

export const webhookEventRepository = {
  /** Stores an event unless one with its id is already stored; true when this call stored it. */
  async insert(tx: Queryable, tenantId: string, e: NewWebhookEvent): Promise<boolean> {
    const { rowCount } = await tx.query(INSERT_EVENT, eventParams(tenantId, e), { prepared: true });
    return rowCount > 0;
  },

  /**
   * Stores an event and, when this call stored it, its processing job, in one
   * statement (one round trip on the intake's hot path); true when stored.
   */
  async insertWithJob(tx: Queryable, tenantId: string, e: NewWebhookEvent, job: NewJob, now: Date): Promise<boolean> {
    const { rows } = await tx.query<{ inserted: boolean }>(
      `with event as (${INSERT_EVENT} returning 1),
            job as (${jobInsertSql(16, 'exists (select 1 from event)')} returning 1)
       select exists (select 1 from event) as inserted`,
      [...eventParams(tenantId, e), ...jobInsertParams(job, now)],
      { prepared: true },
    );
    return rows[0]!.inserted;
  },

  async find(tx: Queryable, tenantId: string, id: string): Promise<WebhookEventRow | undefined> {
    const { rows } = await tx.query<WebhookEventRow>('select * from webhook_events where tenant_id = $1 and id = $2', [tenantId, id]);
    return rows[0];
  },

  /**
   * Loads an event for processing and, in the same statement, takes the
   * ledger read number that orders the Stripe reads about to start.
   */
  async loadForProcessing(tx: Queryable, tenantId: string, id: string): Promise<{ event: WebhookEventRow; readSeq: bigint } | undefined> {
    const { rows } = await tx.query<WebhookEventRow & { read_seq: string }>(
      "select *, nextval('ledger_read_seq')::text as read_seq from webhook_events where tenant_id = $1 and id = $2",
      [tenantId, id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { read_seq, ...event } = row;
    return { event, readSeq: BigInt(read_seq) };
  },

  async markDone(tx: Queryable, tenantId: string, id: string, done: { status: 'processed' | 'ignored'; attempts: number; outcome: string; at: Date }): Promise<void> {
    await tx.query(
      `update webhook_events set status = $3, attempts = greatest(attempts, $4), outcome = $5, processed_at = $6, last_error = null, next_attempt_at = null
        where tenant_id = $1 and id = $2`,
      [tenantId, id, done.status, done.attempts, done.outcome, done.at],
    );
  },

  async markFailure(tx: Queryable, tenantId: string, id: string, f: { final: boolean; attempts: number; error: string; nextAttemptAt: Date | null }): Promise<void> {
    await tx.query(
      `update webhook_events set status = $3, attempts = greatest(attempts, $4), last_error = $5, next_attempt_at = $6
        where tenant_id = $1 and id = $2 and status not in ('processed', 'ignored')`,
      [tenantId, id, f.final ? 'failed' : 'retrying', f.attempts, f.error.slice(0, 2000), f.nextAttemptAt],
    );
  },

  /** Puts events back to pending for a replay; returns the ones that were. */
  async markReplayed(tx: Queryable, tenantId: string, ids: readonly string[]): Promise<Array<Pick<WebhookEventRow, 'id' | 'mode' | 'type'>>> {
    const { rows } = await tx.query<Pick<WebhookEventRow, 'id' | 'mode' | 'type'>>(
      `update webhook_events set status = 'pending', attempts = 0, last_error = null, next_attempt_at = null, processed_at = null
        where tenant_id = $1 and id = any($2::text[]) returning id, mode, type`,
      [tenantId, ids],
    );
    return rows;
  },

  async failedIds(tx: Queryable, tenantId: string, mode: Mode, type: string | undefined, limit: number): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `select id from webhook_events where tenant_id = $1 and mode = $2 and status = 'failed' and ($3::text is null or type like $3)
        order by seq limit $4`,
      [tenantId, mode, typeFilter(type), limit],
    );
    return rows.map((r) => r.id);
  },

  async list(
    tx: Queryable,
    tenantId: string,
    mode: Mode,
    filter: { status?: EventStatus; type?: string; objectId?: string; limit: number; startingAfter?: string },
  ): Promise<WebhookEventRow[]> {
    const { rows } = await tx.query<WebhookEventRow>(
      `select ${SUMMARY_COLUMNS} from webhook_events
        where tenant_id = $1 and mode = $2
          and ($3::text is null or status = $3)
          and ($4::text is null or type like $4)
          and ($5::text is null or object_id = $5)
          and ($6::text is null or seq < (select seq from webhook_events where tenant_id = $1 and id = $6))
        order by seq desc limit $7`,
      [tenantId, mode, filter.status ?? null, typeFilter(filter.type), filter.objectId ?? null, filter.startingAfter ?? null, filter.limit],
    );
    return rows;
  },

  /** Events still to do or failed, per status (the partial index keeps this cheap). */
  async countByStatus(tx: Queryable, tenantId: string, mode: Mode): Promise<Record<string, number>> {
    const { rows } = await tx.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from webhook_events
        where tenant_id = $1 and mode = $2 and status in ('pending', 'retrying', 'failed') group by status`,
      [tenantId, mode],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  },
};
