/** Settings of checkout, entitlements and outbound webhooks. */
import type { SettingDef } from '../config/schema.ts';

export const ENTITLEMENT_SETTINGS = [] as const satisfies readonly SettingDef[];
