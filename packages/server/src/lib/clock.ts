/**
 * Time as a dependency. Services and jobs never call `Date.now()` directly: they
 * take a Clock, so tests (and the Stripe sandbox) can move time deliberately.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can set and advance. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | number = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | number): void {
    this.current = typeof at === 'number' ? at : at.getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
