/**
 * Tenancy at the database: every application transaction runs as the
 * `tollgate_app` role, which row-level security cannot be bypassed by, with the
 * caller's tenant set for that transaction only. A query that forgets its
 * `tenant_id` filter still sees nothing of another tenant.
 *
 * `withSystem` is for the few cross-tenant reads the platform itself needs
 * (resolving an API key or a webhook endpoint to its tenant, claiming queued
 * jobs). It is explicit at every call site.
 */
import type { Db, Queryable } from './types.ts';

export const APP_ROLE = 'tollgate_app';

const ENTER_TENANT =
  "select set_config('role', 'tollgate_app', true), set_config('tollgate.tenant_id', $1, true), set_config('tollgate.system', 'off', true)";
const ENTER_SYSTEM =
  "select set_config('role', 'tollgate_app', true), set_config('tollgate.tenant_id', '', true), set_config('tollgate.system', 'on', true)";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The statement entering a tenant, with the id inlined so it can travel with
 * BEGIN in one round trip. Safe only because the id is checked to be a UUID.
 */
function enterTenantSql(tenantId: string): string {
  if (!UUID.test(tenantId)) throw new Error(`withTenant needs a tenant id (uuid), got ${JSON.stringify(tenantId)}`);
  return ENTER_TENANT.replace('$1', `'${tenantId}'`);
}

/** Runs `fn` in one transaction that can see only `tenantId`'s rows. */
export function withTenant<T>(db: Db, tenantId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(fn, enterTenantSql(tenantId));
}

/** Runs `fn` in one transaction with platform-wide visibility. */
export function withSystem<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(fn, ENTER_SYSTEM);
}

/** Switches an open transaction to another tenant (system jobs that work tenant by tenant). */
export async function enterTenant(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query(ENTER_TENANT, [tenantId]);
}
