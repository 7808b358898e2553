/**
 * Roles of a tenant's members and what each may do. A route names the
 * permission it needs; this table is the only place that maps roles to
 * permissions. A tenant's secret API key holds every permission of its mode.
 */

export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** Read anything of the tenant: catalog, customers, events, settings. */
  'tenant:read': ['owner', 'admin', 'developer', 'viewer'],
  /** Create and change features, products, prices, paywall. */
  'catalog:write': ['owner', 'admin', 'developer'],
  /** Create and revoke API keys. */
  'keys:manage': ['owner', 'admin', 'developer'],
  /** Connect providers, outbound webhook endpoints, tenant settings. */
  'settings:write': ['owner', 'admin'],
  /** Refunds, disputes, fraud warnings, grants, webhook replay. */
  'billing:operate': ['owner', 'admin'],
  /** Invite, change and remove members. */
  'members:manage': ['owner'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleAllows(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
