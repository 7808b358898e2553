/**
 * The sandbox clock: a base time source (real time unless injected) plus an offset
 * that control calls move forward, so a whole Tollgate test can jump a month at
 * once. Objects on a Stripe test clock use that clock's frozen time instead (see
 * `resources/clocks.ts`). Webhook signatures always use real wall-clock time.
 */

export class SandboxClock {
  private offsetMs = 0;
  private readonly base: () => number;

  constructor(base: () => number = Date.now, offsetMs = 0) {
    this.base = base;
    this.offsetMs = offsetMs;
  }

  /** Milliseconds since the epoch on the sandbox clock. */
  nowMs(): number {
    return this.base() + this.offsetMs;
  }

  /** Unix seconds on the sandbox clock. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** Move forward (never back) by `seconds`. */
  advanceBy(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('The sandbox clock only moves forward.');
    this.offsetMs += Math.round(seconds * 1000);
  }

  /** Move forward to the unix time `to` (seconds); earlier times are refused. */
  advanceTo(to: number): void {
    const delta = to * 1000 - this.nowMs();
    if (delta < -1000) throw new RangeError('The sandbox clock only moves forward.');
    if (delta > 0) this.offsetMs += delta;
  }

  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}

const DAY = 86400;

/** Seconds in an interval that does not depend on the calendar. */
export const FIXED_INTERVALS = { day: DAY, week: 7 * DAY } as const;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The end of the `n`-th period after `anchor` (unix seconds), the way Stripe bills:
 * monthly periods keep the anchor's day of month, clamped to shorter months
 * (Jan 31 → Feb 28 → Mar 31).
 */
export function addInterval(anchor: number, interval: string, count: number, n = 1): number {
  if (interval === 'day' || interval === 'week') return anchor + FIXED_INTERVALS[interval] * count * n;
  const months = (interval === 'year' ? 12 : 1) * count * n;
  const d = new Date(anchor * 1000);
  const total = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  return Math.floor(Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
}

export { DAY };
