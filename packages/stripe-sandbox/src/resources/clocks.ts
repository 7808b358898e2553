/**
 * Test clocks: create, retrieve, list, delete (which deletes its customers), and
 * advance. Advancing answers at once with status `advancing`
 * (`test_helpers.test_clock.advancing`), then runs everything due on that clock's
 * customers in time order and turns `ready` (`test_helpers.test_clock.ready`), as
 * Stripe does — poll the clock until it is ready.
 */
import type Stripe from 'stripe';
import { DAY } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import { LIST, integer, string } from '../core/params.ts';
import { listResponse, mustGet, route, type Route } from '../core/router.ts';
import type { Runtime } from '../core/runtime.ts';
import type { Entry } from '../core/store.ts';
import { cancelSubscriptionNow } from './subscriptions.ts';

/** Advances in flight, so a stopping sandbox can wait for or drop them. */
export const pendingAdvances = new Set<Promise<void>>();

function finishAdvance(rt: Runtime, clock: Entry<'test_helpers.test_clock'>, target: number): void {
  try {
    rt.processDue(clock.account, clock.id, target);
  } finally {
    if (!clock.removed) {
      const ctx = rt.ctx(clock.account, { id: null, idempotency_key: null }, target);
      ctx.update(clock, (c) => {
        c.frozen_time = target;
        c.status = 'ready';
        c.status_details = {};
      });
      ctx.emit('test_helpers.test_clock.ready', clock);
      ctx.commit();
    }
  }
}

export const clockRoutes: Route[] = [
  route('POST', '/v1/test_helpers/test_clocks', { frozen_time: integer({ min: 0 }).req(), name: string({ maxLength: 300 }) }, (req) => {
    const { ctx, params: p } = req;
    const clock: Stripe.TestHelpers.TestClock = {
      id: ctx.id('testClock'),
      object: 'test_helpers.test_clock',
      created: ctx.now,
      deletes_after: ctx.now + 30 * DAY,
      frozen_time: p.frozen_time,
      livemode: false,
      name: p.name ?? null,
      status: 'ready',
      status_details: {},
    };
    const entry = ctx.insert('test_helpers.test_clock', clock);
    ctx.at(p.frozen_time).emit('test_helpers.test_clock.created', entry);
    return ctx.render(entry);
  }),
  route('GET', '/v1/test_helpers/test_clocks/:id', {}, (req) => req.ctx.render(mustGet(req, 'test_helpers.test_clock', req.path.id as string, 'test_helpers.test_clock'))),
  route('GET', '/v1/test_helpers/test_clocks', { ...LIST }, (req) => listResponse(req, req.rt.store.all('test_helpers.test_clock', req.account), '/v1/test_helpers/test_clocks')),
  route('DELETE', '/v1/test_helpers/test_clocks/:id', {}, (req) => {
    const clock = mustGet(req, 'test_helpers.test_clock', req.path.id as string, 'test_helpers.test_clock');
    const ctx = req.ctx.at(clock.obj.frozen_time);
    for (const customer of ctx.store.byIndex('customer', ctx.account, 'test_clock', clock.id).slice()) {
      for (const sub of ctx.store.byIndex('subscription', ctx.account, 'customer', customer.id).slice()) {
        if (sub.obj.status !== 'canceled' && sub.obj.status !== 'incomplete_expired') cancelSubscriptionNow(ctx, sub, 'cancellation_requested');
      }
      ctx.emit('customer.deleted', customer);
      ctx.store.remove(customer);
    }
    ctx.emit('test_helpers.test_clock.deleted', clock);
    ctx.store.remove(clock);
    ctx.rt.changed();
    return { id: clock.id, object: 'test_helpers.test_clock', deleted: true } satisfies Stripe.TestHelpers.DeletedTestClock;
  }),
  route('POST', '/v1/test_helpers/test_clocks/:id/advance', { frozen_time: integer({ min: 0 }).req() }, (req) => {
    const clock = mustGet(req, 'test_helpers.test_clock', req.path.id as string, 'test_helpers.test_clock');
    const target = req.params.frozen_time;
    if (clock.obj.status === 'advancing') throw invalidRequest('This test clock is currently advancing. Wait until it is ready before advancing it again.', { code: 'test_clock_advancing' });
    if (target <= clock.obj.frozen_time) {
      throw invalidRequest(`The frozen_time (${target}) must be after the test clock's current frozen_time (${clock.obj.frozen_time}).`, { param: 'frozen_time', code: 'parameter_invalid_integer' });
    }
    const ctx = req.ctx.at(clock.obj.frozen_time);
    ctx.update(clock, (c) => {
      c.status = 'advancing';
      c.status_details = { advancing: { target_frozen_time: target } };
    });
    ctx.emit('test_helpers.test_clock.advancing', clock);
    const rt = req.rt;
    const done = new Promise<void>((resolve) => {
      setImmediate(() => {
        try {
          finishAdvance(rt, clock, target);
        } finally {
          resolve();
        }
      });
    });
    pendingAdvances.add(done);
    void done.then(() => pendingAdvances.delete(done));
    return ctx.render(clock);
  }),
];
