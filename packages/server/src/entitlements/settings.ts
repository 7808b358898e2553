/** Settings of checkout, entitlements and outbound webhooks. */
import type { SettingDef } from '../config/schema.ts';

export const ENTITLEMENT_SETTINGS = [
  { key: 'configCacheTtlSeconds', env: 'TOLLGATE_CONFIG_CACHE_TTL_SECONDS', flag: 'config-cache-ttl-seconds', type: 'int', min: 0, max: 86400, default: '300', group: 'billing',
    description: 'cache_ttl_seconds of GET /v1/config (and its Cache-Control max-age) unless the tenant sets its own.' },
  { key: 'entitlementCacheMs', env: 'TOLLGATE_ENTITLEMENT_CACHE_MS', flag: 'entitlement-cache-ms', type: 'int', min: 0, max: 3600000, default: '30000', group: 'billing',
    description: 'How long a process keeps a customer’s entitlements in memory for the check endpoint. Changes invalidate it in every process at once; this bounds staleness if a notification is ever lost.' },
] as const satisfies readonly SettingDef[];
