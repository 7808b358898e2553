/**
 * The entitlement rules, as a pure function of a customer's subscriptions and
 * grants at one instant:
 *
 * - `active` and `trialing` subscriptions grant their products' features;
 * - `past_due` keeps them for the tenant's grace period, counted from the
 *   first failed payment;
 * - every other status (`unpaid`, `canceled`, `incomplete`,
 *   `incomplete_expired`, `paused`) grants nothing;
 * - grants give a product's features or one feature until they expire;
 * - limits of several sources combine by the larger value, and `null`
 *   (unlimited) wins.
 *
 * `valid_until` is when access ends unless something changes: the end of a
 * period that will not renew, the end of the grace period, a grant's expiry.
 * A period that renews gets a day of leeway, so a renewal webhook that is a
 * little late never locks out a paying customer.
 */

export const RENEWAL_LEEWAY_MS = 24 * 3600 * 1000;

export interface FeatureValue {
  key: string;
  type: 'boolean' | 'limit';
  /** Limit for limit features (null = unlimited); ignored for boolean ones. */
  value: number | null;
}

export interface SubscriptionFact {
  status: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: Date | null;
  pastDueSince: Date | null;
  endedAt: Date | null;
  features: FeatureValue[];
}

export interface GrantFact {
  expiresAt: Date | null;
  features: FeatureValue[];
}

export interface Entitlement {
  feature: string;
  type: 'boolean' | 'limit';
  value: number | null;
  source: 'subscription' | 'grant';
  /** When access to the feature ends (the latest of its sources); null = no known end. */
  validUntil: Date | null;
  /** When one of its sources ends first, so the value may change (the earliest); null = never. */
  changesAt: Date | null;
}

interface Contribution {
  type: 'boolean' | 'limit';
  value: number | null;
  source: 'subscription' | 'grant';
  validUntil: Date | null;
}

/** Until when a subscription grants access, or null if it grants nothing now. */
export function subscriptionValidUntil(s: SubscriptionFact, now: Date, graceMs: number): Date | null | 'none' {
  if (s.endedAt && s.endedAt <= now) return 'none';
  const renewing = !s.cancelAtPeriodEnd;
  switch (s.status) {
    case 'active':
    case 'trialing': {
      const end = s.status === 'trialing' && s.trialEnd ? s.trialEnd : s.currentPeriodEnd;
      if (!end) return null;
      return new Date(end.getTime() + (renewing ? RENEWAL_LEEWAY_MS : 0));
    }
    case 'past_due': {
      const since = s.pastDueSince ?? s.currentPeriodEnd ?? now;
      return new Date(since.getTime() + graceMs);
    }
    default:
      return 'none';
  }
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null || b === null) return null;
  return a > b ? a : b;
}

function earlier(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/** Does `candidate` beat `current` as the value to report? null (unlimited) beats any number. */
function beats(candidate: Contribution, current: Contribution): boolean {
  if (candidate.type === 'limit') {
    if (current.value === null) return false;
    if (candidate.value === null) return true;
    if (candidate.value !== current.value) return candidate.value > current.value;
  }
  return candidate.source === 'subscription' && current.source === 'grant';
}

export function computeEntitlements(input: { subscriptions: SubscriptionFact[]; grants: GrantFact[]; now: Date; graceMs: number }): Entitlement[] {
  const { now } = input;
  const byFeature = new Map<string, { best: Contribution; validUntil: Date | null; changesAt: Date | null }>();
  const add = (f: FeatureValue, source: Contribution['source'], validUntil: Date | null) => {
    const c: Contribution = { type: f.type, value: f.type === 'limit' ? f.value : null, source, validUntil };
    const seen = byFeature.get(f.key);
    if (!seen) byFeature.set(f.key, { best: c, validUntil, changesAt: validUntil });
    else {
      if (beats(c, seen.best)) seen.best = c;
      seen.validUntil = later(seen.validUntil, validUntil);
      seen.changesAt = earlier(seen.changesAt, validUntil);
    }
  };
  for (const s of input.subscriptions) {
    const until = subscriptionValidUntil(s, now, input.graceMs);
    if (until === 'none' || (until !== null && until <= now)) continue;
    for (const f of s.features) add(f, 'subscription', until);
  }
  for (const g of input.grants) {
    if (g.expiresAt && g.expiresAt <= now) continue;
    for (const f of g.features) add(f, 'grant', g.expiresAt);
  }
  return [...byFeature.entries()]
    .map(([feature, { best, validUntil, changesAt }]) => ({ feature, type: best.type, value: best.value, source: best.source, validUntil, changesAt }))
    .sort((a, b) => a.feature.localeCompare(b.feature));
}
