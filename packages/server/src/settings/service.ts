/**
 * Tenant settings the API exposes (stored in `tenants.settings`): the allowed
 * origins that every redirect URL of Checkout and the portal must fall under
 * (so a leaked publishable key cannot bounce customers to another site), the
 * grace period of past_due subscriptions, and the app config's cache TTL.
 */
import type { Queryable } from '../db/types.ts';
import type { TenantScope } from '../http/context.ts';
import { describeActor } from '../http/context.ts';
import type { Clock } from '../lib/clock.ts';
import { auditRepository, tenantRepository } from '../tenants/repository.ts';
import { settingsErrors } from './errors.ts';
import type { SettingsView } from './schemas.ts';

function originsOf(settings: Record<string, unknown> | undefined): string[] {
  const list = settings?.allowed_origins;
  return Array.isArray(list) ? list.filter((o): o is string => typeof o === 'string') : [];
}

/** Checks that `url` is an absolute http(s) URL under one of `origins`; returns it unchanged. */
export function checkRedirectUrl(origins: readonly string[], url: string, field: string): string {
  if (!origins.length) {
    throw settingsErrors.allowed_origins_not_set(
      `${field} cannot be checked: the tenant has no allowed origins. Set them with PATCH /v1/settings {"allowed_origins": ["https://app.example.com"]} (secret key or console).`,
      { field },
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw settingsErrors.redirect_not_allowed(`${field} must be an absolute URL.`, { field });
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || !origins.includes(parsed.origin)) {
    throw settingsErrors.redirect_not_allowed(`${field} (${parsed.origin}) is not under one of the allowed origins: ${origins.join(', ')}. Add it with PATCH /v1/settings.`, {
      field,
      allowed_origins: origins,
    });
  }
  return url;
}

export const DEFAULT_GRACE_DAYS = 3;

export function createSettingsService(deps: { clock: Clock; onGraceChanged?: (tx: Queryable, tenantId: string) => Promise<void> }) {
  const { clock } = deps;
  return {
    async get(tx: Queryable, tenantId: string): Promise<SettingsView> {
      const settings = (await tenantRepository.findById(tx, tenantId))?.settings;
      const grace = Number(settings?.grace_days ?? DEFAULT_GRACE_DAYS);
      const ttl = settings?.config_cache_ttl_seconds;
      return {
        allowed_origins: originsOf(settings),
        grace_days: Number.isFinite(grace) ? grace : DEFAULT_GRACE_DAYS,
        config_cache_ttl_seconds: typeof ttl === 'number' ? ttl : null,
      };
    },

    async allowedOrigins(tx: Queryable, tenantId: string): Promise<string[]> {
      return (await this.get(tx, tenantId)).allowed_origins;
    },

    async update(
      tx: Queryable,
      scope: TenantScope,
      patch: { allowed_origins?: string[]; grace_days?: number; config_cache_ttl_seconds?: number | null },
    ): Promise<SettingsView> {
      const changes: Record<string, unknown> = {};
      if (patch.allowed_origins !== undefined) changes.allowed_origins = [...new Set(patch.allowed_origins)];
      if (patch.grace_days !== undefined) changes.grace_days = patch.grace_days;
      if (patch.config_cache_ttl_seconds !== undefined) changes.config_cache_ttl_seconds = patch.config_cache_ttl_seconds;
      if (Object.keys(changes).length) {
        await tenantRepository.updateSettings(tx, scope.tenantId, changes);
        await auditRepository.record(tx, scope.tenantId, { actor: describeActor(scope.actor), action: 'settings.updated', target: 'settings', details: changes, at: clock.now() });
        // Past-due customers' access depends on the grace period: recompute them in this transaction.
        if (patch.grace_days !== undefined) await deps.onGraceChanged?.(tx, scope.tenantId);
      }
      return this.get(tx, scope.tenantId);
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
