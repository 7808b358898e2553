/**
 * Every SQL statement of outbound webhooks: endpoints, messages, deliveries
 * and their attempts, plus the read-only lookups that turn Stripe ids into
 * the app's own ids for payloads (customers, price keys).
 */
import type { Queryable } from '../db/types.ts';
import type { Mode } from '../http/context.ts';

export interface EndpointRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  url: string;
  description: string;
  enabled_events: string[];
  secret_sealed: string;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  message_id: string;
  endpoint_id: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryListRow extends DeliveryRow {
  type: string;
  url: string;
}

export interface AttemptRow {
  attempt: number;
  trigger: 'automatic' | 'resend';
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  duration_ms: number;
}

export interface SendingRow {
  id: string;
  status: DeliveryRow['status'];
  next_attempt_at: Date | null;
  endpoint_id: string;
  url: string;
  secret_sealed: string;
  disabled_at: Date | null;
  message_id: string;
  type: string;
  body: string;
}

export const endpointRepository = {
  async insert(tx: Queryable, tenantId: string, e: { id: string; mode: Mode; url: string; description: string; enabledEvents: string[]; secretSealed: string; at: Date }): Promise<EndpointRow> {
    const { rows } = await tx.query<EndpointRow>(
      `insert into webhook_endpoints (tenant_id, id, mode, url, description, enabled_events, secret_sealed, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning *`,
      [tenantId, e.id, e.mode, e.url, e.description, e.enabledEvents, e.secretSealed, e.at],
    );
    return rows[0]!;
  },

  async find(tx: Queryable, tenantId: string, mode: Mode, id: string): Promise<EndpointRow | undefined> {
    const { rows } = await tx.query<EndpointRow>('select * from webhook_endpoints where tenant_id = $1 and mode = $2 and id = $3', [tenantId, mode, id]);
    return rows[0];
  },

  async list(tx: Queryable, tenantId: string, mode: Mode): Promise<EndpointRow[]> {
    const { rows } = await tx.query<EndpointRow>('select * from webhook_endpoints where tenant_id = $1 and mode = $2 order by created_at, id', [tenantId, mode]);
    return rows;
  },

  /** Enabled endpoints of the mode that receive `type`. */
  async subscribed(tx: Queryable, tenantId: string, mode: Mode, type: string): Promise<Array<{ id: string }>> {
    const { rows } = await tx.query<{ id: string }>(
      `select id from webhook_endpoints
        where tenant_id = $1 and mode = $2 and disabled_at is null and (cardinality(enabled_events) = 0 or $3 = any(enabled_events))`,
      [tenantId, mode, type],
    );
    return rows;
  },

  async update(
    tx: Queryable,
    tenantId: string,
    id: string,
    patch: { url?: string; description?: string; enabledEvents?: string[]; disabledAt?: Date | null; secretSealed?: string },
    at: Date,
  ): Promise<EndpointRow | undefined> {
    const { rows } = await tx.query<EndpointRow>(
      `update webhook_endpoints set
         url = coalesce($3, url),
         description = coalesce($4, description),
         enabled_events = coalesce($5, enabled_events),
         disabled_at = case when $6 then $7::timestamptz else disabled_at end,
         secret_sealed = coalesce($8, secret_sealed),
         updated_at = $9
       where tenant_id = $1 and id = $2 returning *`,
      [tenantId, id, patch.url ?? null, patch.description ?? null, patch.enabledEvents ?? null, patch.disabledAt !== undefined, patch.disabledAt ?? null, patch.secretSealed ?? null, at],
    );
    return rows[0];
  },

  async remove(tx: Queryable, tenantId: string, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from webhook_endpoints where tenant_id = $1 and id = $2', [tenantId, id]);
    return (rowCount ?? 0) > 0;
  },
};

export const messageRepository = {
  async insert(tx: Queryable, tenantId: string, m: { id: string; mode: Mode; type: string; body: string; at: Date }): Promise<void> {
    await tx.query('insert into webhook_messages (tenant_id, id, mode, type, body, created_at) values ($1, $2, $3, $4, $5, $6)', [tenantId, m.id, m.mode, m.type, m.body, m.at]);
  },
};

export const deliveryRepository = {
  async insert(tx: Queryable, tenantId: string, d: { mode: Mode; messageId: string; endpointId: string; at: Date }): Promise<DeliveryRow> {
    const { rows } = await tx.query<DeliveryRow>(
      `insert into webhook_deliveries (tenant_id, mode, message_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
       values ($1, $2, $3, $4, 'pending', $5, $5, $5) returning *`,
      [tenantId, d.mode, d.messageId, d.endpointId, d.at],
    );
    return rows[0]!;
  },

  /** A delivery with what the sender needs: its state, its endpoint and its message. */
  async forSending(tx: Queryable, tenantId: string, id: string): Promise<SendingRow | undefined> {
    const { rows } = await tx.query<SendingRow>(
      `select d.id, d.status, d.next_attempt_at, d.endpoint_id, e.url, e.secret_sealed, e.disabled_at, m.id as message_id, m.type, m.body
         from webhook_deliveries d
         join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id
         join webhook_messages m on m.tenant_id = d.tenant_id and m.id = d.message_id
        where d.tenant_id = $1 and d.id = $2`,
      [tenantId, id],
    );
    return rows[0];
  },

  /** Records one attempt and the delivery's new state; returns the attempt number. */
  async recordAttempt(
    tx: Queryable,
    tenantId: string,
    id: string,
    a: { trigger: AttemptRow['trigger']; at: Date; statusCode: number | null; error: string | null; excerpt: string | null; durationMs: number; status: DeliveryRow['status']; nextAttemptAt: Date | null },
  ): Promise<number> {
    const { rows } = await tx.query<{ attempts: number }>(
      `update webhook_deliveries set attempts = attempts + 1, status = $3, next_attempt_at = $4, last_attempt_at = $5,
              last_status_code = $6, last_error = $7, updated_at = $5
        where tenant_id = $1 and id = $2 returning attempts`,
      [tenantId, id, a.status, a.nextAttemptAt, a.at, a.statusCode, a.error],
    );
    const attempt = rows[0]?.attempts;
    if (attempt === undefined) return 0;
    await tx.query(
      `insert into webhook_delivery_attempts (tenant_id, delivery_id, attempt, trigger, attempted_at, status_code, error, response_excerpt, duration_ms)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [tenantId, id, attempt, a.trigger, a.at, a.statusCode, a.error, a.excerpt, a.durationMs],
    );
    return attempt;
  },

  async setStatus(tx: Queryable, tenantId: string, id: string, status: DeliveryRow['status'], nextAttemptAt: Date | null, at: Date): Promise<DeliveryRow | undefined> {
    const { rows } = await tx.query<DeliveryRow>(
      'update webhook_deliveries set status = $3, next_attempt_at = $4, updated_at = $5 where tenant_id = $1 and id = $2 returning *',
      [tenantId, id, status, nextAttemptAt, at],
    );
    return rows[0];
  },

  /** Cancels an endpoint's deliveries still waiting for an attempt (it was disabled). */
  async cancelPending(tx: Queryable, tenantId: string, endpointId: string, at: Date): Promise<number> {
    const { rowCount } = await tx.query(
      "update webhook_deliveries set status = 'canceled', next_attempt_at = null, updated_at = $3 where tenant_id = $1 and endpoint_id = $2 and status = 'pending'",
      [tenantId, endpointId, at],
    );
    return rowCount ?? 0;
  },

  async find(tx: Queryable, tenantId: string, mode: Mode, id: string): Promise<(DeliveryListRow & { body: string }) | undefined> {
    const { rows } = await tx.query<DeliveryListRow & { body: string }>(
      `select d.*, m.type, m.body, e.url from webhook_deliveries d
         join webhook_messages m on m.tenant_id = d.tenant_id and m.id = d.message_id
         join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id
        where d.tenant_id = $1 and d.mode = $2 and d.id = $3`,
      [tenantId, mode, id],
    );
    return rows[0];
  },

  /** Newest first; `before` pages by (created_at, id) of the last row seen. */
  async list(
    tx: Queryable,
    tenantId: string,
    mode: Mode,
    filter: { endpointId?: string; status?: DeliveryRow['status']; type?: string; before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<DeliveryListRow[]> {
    const { rows } = await tx.query<DeliveryListRow>(
      `select d.*, m.type, e.url from webhook_deliveries d
         join webhook_messages m on m.tenant_id = d.tenant_id and m.id = d.message_id
         join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id
        where d.tenant_id = $1 and d.mode = $2
          and ($3::uuid is null or d.endpoint_id = $3) and ($4::text is null or d.status = $4) and ($5::text is null or m.type = $5)
          and ($6::timestamptz is null or (d.created_at, d.id) < ($6, $7::uuid))
        order by d.created_at desc, d.id desc limit $8`,
      [tenantId, mode, filter.endpointId ?? null, filter.status ?? null, filter.type ?? null, filter.before?.createdAt ?? null, filter.before?.id ?? null, filter.limit],
    );
    return rows;
  },

  async attempts(tx: Queryable, tenantId: string, deliveryId: string): Promise<AttemptRow[]> {
    const { rows } = await tx.query<AttemptRow>(
      `select attempt, trigger, attempted_at, status_code, error, response_excerpt, duration_ms from webhook_delivery_attempts
        where tenant_id = $1 and delivery_id = $2 order by attempt`,
      [tenantId, deliveryId],
    );
    return rows;
  },
};

/** Read-only lookups over the customers, ledger and catalog tables, for payloads. */
export const payloadRepository = {
  /** The app's ids of the customers behind a Stripe customer (linked, or named in its metadata). */
  async externalIdsForStripe(tx: Queryable, tenantId: string, mode: Mode, stripeCustomerId: string): Promise<string[]> {
    const { rows } = await tx.query<{ external_id: string }>(
      `select c.external_id from customers c
        where c.tenant_id = $1 and c.mode = $2
          and (c.stripe_customer_id = $3 or c.id::text in (
            select metadata->>'tollgate_customer_id' from stripe_customers where tenant_id = $1 and mode = $2 and stripe_id = $3))
        order by c.external_id`,
      [tenantId, mode, stripeCustomerId],
    );
    return rows.map((r) => r.external_id);
  },

  async externalIdById(tx: Queryable, tenantId: string, customerId: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ external_id: string }>('select external_id from customers where tenant_id = $1 and id::text = $2', [tenantId, customerId]);
    return rows[0]?.external_id;
  },

  /** Tollgate price and product keys of Stripe price ids (unknown ids are left out). */
  async priceKeys(tx: Queryable, tenantId: string, mode: Mode, stripePriceIds: string[]): Promise<Array<{ stripe_price_id: string; price: string; product: string }>> {
    if (!stripePriceIds.length) return [];
    const { rows } = await tx.query<{ stripe_price_id: string; price: string; product: string }>(
      `select sp.stripe_price_id, p.key as price, pr.key as product from stripe_prices sp
         join prices p on p.tenant_id = sp.tenant_id and p.id = sp.price_id
         join products pr on pr.tenant_id = sp.tenant_id and pr.id = sp.product_id
        where sp.tenant_id = $1 and sp.mode = $2 and sp.stripe_price_id = any($3::text[])
        order by p.key`,
      [tenantId, mode, stripePriceIds],
    );
    return rows;
  },
};
