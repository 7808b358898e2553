/** Settings of Stripe webhook intake and processing. */
import type { SettingDef } from '../config/schema.ts';

export const WEBHOOK_SETTINGS = [] as const satisfies readonly SettingDef[];
