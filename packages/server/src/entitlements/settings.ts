/** Settings of checkout, entitlements and outbound webhooks. */
import type { SettingDef } from '../config/schema.ts';

export const ENTITLEMENT_SETTINGS = [
  { key: 'configCacheTtlSeconds', env: 'TOLLGATE_CONFIG_CACHE_TTL_SECONDS', flag: 'config-cache-ttl-seconds', type: 'int', min: 0, max: 86400, default: '300', group: 'billing',
    description: 'cache_ttl_seconds of GET /v1/config (and its Cache-Control max-age) unless the tenant sets its own.' },
  { key: 'entitlementCacheMs', env: 'TOLLGATE_ENTITLEMENT_CACHE_MS', flag: 'entitlement-cache-ms', type: 'int', min: 0, max: 3600000, default: '30000', group: 'billing',
    description: 'How long a process keeps a customer’s entitlements in memory for the check endpoint. Changes invalidate it in every process at once; this bounds staleness if a notification is ever lost.' },
  { key: 'redisUrl', env: 'REDIS_URL', flag: 'redis-url', type: 'url', secret: true, group: 'storage',
    description: 'Redis URL (redis://host:6379) for limits shared by every instance. Without it each process counts on its own.' },
  { key: 'redisKeyPrefix', env: 'TOLLGATE_REDIS_KEY_PREFIX', flag: 'redis-key-prefix', type: 'string', default: 'tollgate:', group: 'storage',
    description: 'Prefix of every Redis key Tollgate writes (to share one Redis between deployments).' },
  { key: 'checkoutRateLimitPerCustomer', env: 'TOLLGATE_CHECKOUT_RATE_LIMIT_PER_CUSTOMER', flag: 'checkout-rate-limit-per-customer', type: 'int', min: 1, max: 100000, default: '5', group: 'limits',
    description: 'Checkout sessions one customer may start per window (TOLLGATE_CHECKOUT_RATE_LIMIT_WINDOW_SECONDS); more get 429 with Retry-After.' },
  { key: 'checkoutRateLimitPerIp', env: 'TOLLGATE_CHECKOUT_RATE_LIMIT_PER_IP', flag: 'checkout-rate-limit-per-ip', type: 'int', min: 1, max: 100000, default: '20', group: 'limits',
    description: 'Checkout sessions one client IP may start per window with a publishable key (browsers and apps; calls with a secret key come from your backend and count per customer only).' },
  { key: 'checkoutRateLimitWindowSeconds', env: 'TOLLGATE_CHECKOUT_RATE_LIMIT_WINDOW_SECONDS', flag: 'checkout-rate-limit-window-seconds', type: 'int', min: 1, max: 86400, default: '600', group: 'limits',
    description: 'Length of the checkout rate-limit window, in seconds.' },
  { key: 'outboundWebhookMaxAttempts', env: 'TOLLGATE_OUTBOUND_WEBHOOK_MAX_ATTEMPTS', flag: 'outbound-webhook-max-attempts', type: 'int', min: 1, max: 20, default: '8', group: 'webhooks',
    description: 'Delivery attempts of one outbound webhook to your backend (immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) before it is marked failed; it can be resent.' },
  { key: 'outboundWebhookTimeoutMs', env: 'TOLLGATE_OUTBOUND_WEBHOOK_TIMEOUT_MS', flag: 'outbound-webhook-timeout-ms', type: 'int', min: 100, max: 60000, default: '10000', group: 'webhooks',
    description: 'How long your endpoint may take to answer an outbound webhook, in milliseconds; a slower answer counts as a failed attempt.' },
] as const satisfies readonly SettingDef[];
