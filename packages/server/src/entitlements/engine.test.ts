import { describe, expect, it } from 'vitest';
import { computeEntitlements, RENEWAL_LEEWAY_MS, type SubscriptionFact } from './engine.ts';

const now = new Date('2026-03-10T12:00:00Z');
const day = 24 * 3600 * 1000;
const grace = 3 * day;
const pro = [
  { key: 'export_pdf', type: 'boolean' as const, value: null },
  { key: 'projects', type: 'limit' as const, value: 10 },
];

function sub(patch: Partial<SubscriptionFact>): SubscriptionFact {
  return {
    status: 'active',
    currentPeriodEnd: new Date(now.getTime() + 10 * day),
    cancelAtPeriodEnd: false,
    trialEnd: null,
    pastDueSince: null,
    endedAt: null,
    features: pro,
    ...patch,
  };
}

describe('entitlement rules', () => {
  it('active and trialing subscriptions grant their features, valid to the period end (plus renewal leeway)', () => {
    const [pdf, projects] = computeEntitlements({ subscriptions: [sub({})], grants: [], now, graceMs: grace });
    const until = new Date(now.getTime() + 10 * day + RENEWAL_LEEWAY_MS);
    expect(pdf).toEqual({ feature: 'export_pdf', type: 'boolean', value: null, source: 'subscription', validUntil: until, changesAt: until });
    expect(projects).toMatchObject({ feature: 'projects', value: 10 });
    const trial = computeEntitlements({ subscriptions: [sub({ status: 'trialing', trialEnd: new Date(now.getTime() + day), cancelAtPeriodEnd: true })], grants: [], now, graceMs: grace });
    expect(trial[0]!.validUntil).toEqual(new Date(now.getTime() + day));
  });

  it('a subscription canceling at period end grants until exactly the period end, then nothing', () => {
    const end = new Date(now.getTime() + day);
    expect(computeEntitlements({ subscriptions: [sub({ cancelAtPeriodEnd: true, currentPeriodEnd: end })], grants: [], now, graceMs: grace })[0]!.validUntil).toEqual(end);
    expect(computeEntitlements({ subscriptions: [sub({ cancelAtPeriodEnd: true, currentPeriodEnd: end })], grants: [], now: new Date(end.getTime() + 1), graceMs: grace })).toEqual([]);
  });

  it('past_due keeps access for the grace period from the first failed payment', () => {
    const since = new Date(now.getTime() - 2 * day);
    const during = computeEntitlements({ subscriptions: [sub({ status: 'past_due', pastDueSince: since })], grants: [], now, graceMs: grace });
    expect(during[0]!.validUntil).toEqual(new Date(since.getTime() + grace));
    const after = computeEntitlements({ subscriptions: [sub({ status: 'past_due', pastDueSince: since })], grants: [], now: new Date(since.getTime() + grace), graceMs: grace });
    expect(after).toEqual([]);
  });

  it.each(['unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused', null])('%s grants nothing', (status) => {
    expect(computeEntitlements({ subscriptions: [sub({ status })], grants: [], now, graceMs: grace })).toEqual([]);
  });

  it('an ended subscription grants nothing whatever its status says', () => {
    expect(computeEntitlements({ subscriptions: [sub({ endedAt: new Date(now.getTime() - 1) })], grants: [], now, graceMs: grace })).toEqual([]);
  });

  it('limits combine by the larger value, and unlimited wins', () => {
    const small = sub({ features: [{ key: 'projects', type: 'limit', value: 3 }] });
    const big = sub({ features: [{ key: 'projects', type: 'limit', value: 25 }] });
    const grant = { expiresAt: null, features: [{ key: 'projects', type: 'limit' as const, value: 50 }] };
    expect(computeEntitlements({ subscriptions: [small, big], grants: [], now, graceMs: grace })[0]).toMatchObject({ value: 25, source: 'subscription' });
    expect(computeEntitlements({ subscriptions: [small, big], grants: [grant], now, graceMs: grace })[0]).toMatchObject({ value: 50, source: 'grant', validUntil: null });
    const unlimited = { expiresAt: null, features: [{ key: 'projects', type: 'limit' as const, value: null }] };
    expect(computeEntitlements({ subscriptions: [big], grants: [unlimited, grant], now, graceMs: grace })[0]).toMatchObject({ value: null, source: 'grant' });
  });

  it('grants give access until they expire; an expired grant gives nothing', () => {
    const expires = new Date(now.getTime() + day);
    expect(computeEntitlements({ subscriptions: [], grants: [{ expiresAt: expires, features: pro }], now, graceMs: grace })[0]).toMatchObject({ source: 'grant', validUntil: expires });
    expect(computeEntitlements({ subscriptions: [], grants: [{ expiresAt: now, features: pro }], now, graceMs: grace })).toEqual([]);
  });

  it('a value that rests on a source ending sooner is due for recomputation then, while access lasts longer', () => {
    const expires = new Date(now.getTime() + day);
    const [projects] = computeEntitlements({ subscriptions: [sub({ features: [pro[1]!] })], grants: [{ expiresAt: expires, features: [{ key: 'projects', type: 'limit', value: 50 }] }], now, graceMs: grace });
    expect(projects).toMatchObject({ value: 50, source: 'grant', changesAt: expires, validUntil: new Date(now.getTime() + 10 * day + RENEWAL_LEEWAY_MS) });
  });

  it('a boolean feature from both a subscription and a grant reports the subscription', () => {
    const result = computeEntitlements({ subscriptions: [sub({})], grants: [{ expiresAt: null, features: pro }], now, graceMs: grace });
    expect(result[0]).toMatchObject({ feature: 'export_pdf', source: 'subscription', validUntil: null });
  });
});
