/**
 * Accounts and the keys that reach them. Each distinct `sk_test_…`/`rk_test_…` key
 * is its own account (`acct_…` derived from the key); connected accounts belong to a
 * platform and are reached with `Stripe-Account` or an OAuth access token; OAuth
 * codes, tokens and Connect client ids live here too.
 */
import type Stripe from 'stripe';
import { accountIdForKey } from './ids.ts';

export interface AccountRecord {
  id: string;
  account: Stripe.Account;
  /** The platform a connected account belongs to (null: a standalone account). */
  platform: string | null;
  /** The Connect application (ca_…) that connected it through OAuth. */
  clientId: string | null;
}

export interface OAuthCode {
  code: string;
  clientId: string;
  account: string;
  scope: string;
  used: boolean;
  createdMs: number;
}

export interface AccessToken {
  /** The connected account the token acts as. */
  account: string;
  platform: string;
  clientId: string;
  refreshToken: string;
  scope: string;
}

export interface AccountsDump {
  accounts: AccountRecord[];
  codes: OAuthCode[];
  tokens: [string, AccessToken][];
  revoked: string[];
  clientIds: [string, string][];
}

export function buildAccount(id: string, opts: { created: number; email?: string | null; name?: string | null; country?: string; type?: Stripe.Account.Type; controller?: boolean }): Stripe.Account {
  const name = opts.name ?? null;
  return {
    id,
    object: 'account',
    business_profile: {
      mcc: null,
      minority_owned_business_designation: null,
      name,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: opts.email ?? null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: null,
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    country: opts.country ?? 'US',
    created: opts.created,
    default_currency: 'usd',
    details_submitted: true,
    email: opts.email ?? null,
    metadata: {},
    payouts_enabled: true,
    requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: [],
      disabled_reason: null,
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    settings: {
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_payments: { decline_on: { avs_failure: false, cvc_failure: false }, statement_descriptor_prefix: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      dashboard: { display_name: name, timezone: 'Etc/UTC' },
      payments: { statement_descriptor: null, statement_descriptor_kana: null, statement_descriptor_kanji: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'daily' }, statement_descriptor: null },
    },
    tos_acceptance: { date: opts.created, ip: null, user_agent: null },
    type: opts.type ?? 'standard',
  };
}

export class Accounts {
  readonly records = new Map<string, AccountRecord>();
  readonly codes = new Map<string, OAuthCode>();
  /** OAuth access tokens (sk_test_…) → the connected account they act as. */
  readonly tokens = new Map<string, AccessToken>();
  readonly revoked = new Set<string>();
  /** Connect client ids (ca_…) → the platform account that owns them. */
  readonly clientIds = new Map<string, string>();

  /** The account a key acts as (created on first use). */
  forKey(key: string, now: number): AccountRecord {
    const token = this.tokens.get(key);
    const id = token ? token.account : accountIdForKey(key);
    return this.ensure(id, now);
  }

  ensure(id: string, now: number): AccountRecord {
    let record = this.records.get(id);
    if (!record) {
      record = { id, account: buildAccount(id, { created: now, name: 'Sandbox account' }), platform: null, clientId: null };
      this.records.set(id, record);
    }
    return record;
  }

  get(id: string): AccountRecord | undefined {
    return this.records.get(id);
  }

  connectedTo(platform: string): AccountRecord[] {
    return [...this.records.values()].filter((r) => r.platform === platform);
  }

  dump(): AccountsDump {
    return {
      accounts: [...this.records.values()],
      codes: [...this.codes.values()],
      tokens: [...this.tokens],
      revoked: [...this.revoked],
      clientIds: [...this.clientIds],
    };
  }

  static load(dump: AccountsDump): Accounts {
    const accounts = new Accounts();
    for (const r of dump.accounts) accounts.records.set(r.id, r);
    for (const c of dump.codes) accounts.codes.set(c.code, c);
    for (const [k, t] of dump.tokens) accounts.tokens.set(k, t);
    for (const k of dump.revoked) accounts.revoked.add(k);
    for (const [k, v] of dump.clientIds) accounts.clientIds.set(k, v);
    return accounts;
  }
}
