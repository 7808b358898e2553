/**
 * Grants: access given by hand, without billing (support, partners, comps).
 * Each records who granted (or revoked) it, and the customer's entitlements
 * are recomputed in the same transaction.
 */
import type { Queryable } from '../db/types.ts';
import type { TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import type { Catalog } from '../catalog/index.ts';
import type { CustomerService } from '../customers/service.ts';
import { entitlementErrors } from './errors.ts';
import { grantRepository, type GrantRow } from './repository.ts';
import type { EntitlementService } from './service.ts';

export function grantView(g: GrantRow & { product_key?: string | null; feature_key?: string | null; external_id?: string }) {
  return {
    id: g.id,
    customer: g.external_id ?? null,
    product: g.product_key ?? null,
    feature: g.feature_key ?? null,
    value: g.value === null ? null : Number(g.value),
    reason: g.reason,
    granted_by: g.granted_by,
    created_at: g.created_at.toISOString(),
    expires_at: g.expires_at?.toISOString() ?? null,
    revoked_at: g.revoked_at?.toISOString() ?? null,
    revoked_by: g.revoked_by,
  };
}

export function createGrantService(deps: { clock: Clock; catalog: Catalog; customers: CustomerService; entitlements: EntitlementService }) {
  const { clock, catalog, customers, entitlements } = deps;

  return {
    async create(
      tx: Queryable,
      scope: TenantScope,
      input: { customer: string; product?: string; feature?: string; value?: number | null; reason: string; expires_at?: string },
    ) {
      if ((input.product === undefined) === (input.feature === undefined)) throw entitlementErrors.grant_target_invalid();
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= clock.now()) throw entitlementErrors.grant_expiry_past();
      let productId: string | null = null;
      let featureId: string | null = null;
      let value: number | null = null;
      if (input.product !== undefined) {
        if (input.value !== undefined) throw entitlementErrors.grant_value_invalid('A product grant gives the product’s own values: leave out value.');
        productId = (await catalog.getProduct(tx, scope.tenantId, input.product)).id;
      } else {
        const feature = await catalog.getFeature(tx, scope.tenantId, input.feature!);
        if (feature.type === 'boolean' && input.value !== undefined && input.value !== null) throw entitlementErrors.grant_value_invalid(`"${feature.key}" is a boolean feature: leave out value.`);
        featureId = feature.id;
        value = feature.type === 'limit' ? (input.value ?? null) : null;
      }
      const { row: customer } = await customers.upsert(tx, scope.tenantId, scope.mode, input.customer, {});
      const grant = await grantRepository.insert(tx, scope.tenantId, {
        mode: scope.mode,
        customerId: customer.id,
        productId,
        featureId,
        value,
        reason: input.reason,
        grantedBy: describeActor(scope.actor),
        at: clock.now(),
        expiresAt,
      });
      await entitlements.recompute(tx, scope.tenantId, scope.mode, customer.id);
      return grantView({ ...grant, product_key: input.product ?? null, feature_key: input.feature ?? null, external_id: customer.external_id });
    },

    async revoke(tx: Queryable, scope: TenantScope, id: string) {
      const existing = await grantRepository.find(tx, scope.tenantId, scope.mode, id);
      if (!existing) throw entitlementErrors.grant_not_found();
      const revoked = (await grantRepository.revoke(tx, scope.tenantId, id, describeActor(scope.actor), clock.now())) ?? existing;
      await entitlements.recompute(tx, scope.tenantId, scope.mode, existing.customer_id);
      const listed = (await grantRepository.list(tx, scope.tenantId, scope.mode, { customerId: existing.customer_id, includeRevoked: true })).find((g) => g.id === id);
      return grantView(listed ?? revoked);
    },

    async list(tx: Queryable, scope: TenantScope, filter: { customer?: string; includeRevoked: boolean }) {
      const customerId = filter.customer ? (await customers.get(tx, scope.tenantId, scope.mode, filter.customer)).id : undefined;
      return (await grantRepository.list(tx, scope.tenantId, scope.mode, { customerId, includeRevoked: filter.includeRevoked })).map(grantView);
    },
  };
}

export type GrantService = ReturnType<typeof createGrantService>;
