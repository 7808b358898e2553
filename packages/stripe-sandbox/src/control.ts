/**
 * The sandbox's own control endpoints under `/_sandbox/` (JSON, no auth — it is a
 * local test tool): the clock, accounts, webhook deliveries, faults, settings, reset.
 */
import { json, type HttpRequest, type HttpResponse } from './core/http.ts';
import type { FaultRule } from './core/faults.ts';
import { accountIdForKey } from './core/ids.ts';
import type { SandboxSettings } from './core/runtime.ts';
import type { SandboxInternals } from './sandbox.ts';
import { clientIdFor } from './resources/connect.ts';

class ControlError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

function body(req: HttpRequest): Record<string, unknown> {
  if (req.body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(req.body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new ControlError('The body must be a JSON object.');
  }
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ControlError(`${name} must be a number`);
  return v;
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ControlError(`${name} must be a string`);
  return v;
}

function numbers(v: unknown, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((n) => typeof n !== 'number' || !Number.isFinite(n) || n < 0)) throw new ControlError(`${name} must be an array of non-negative numbers`);
  return v as number[];
}

function clockView(sb: SandboxInternals): Record<string, unknown> {
  const now = sb.rt.clock.now();
  return { now, iso: new Date(now * 1000).toISOString(), offset_seconds: Math.round(sb.rt.clock.offset / 1000) };
}

function settingsView(s: SandboxSettings): Record<string, unknown> {
  return {
    renewal_retry_days: s.renewalRetryDays,
    on_retries_exhausted: s.onRetriesExhausted,
    webhook_retry_schedule_ms: s.webhookRetrySchedule,
    webhook_timeout_ms: s.webhookTimeoutMs,
  };
}

async function route(sb: SandboxInternals, req: HttpRequest): Promise<HttpResponse> {
  const path = req.url.pathname.replace(/\/+$/, '');
  const { rt } = sb;
  const m = `${req.method} ${path}`;
  switch (m) {
    case 'GET /_sandbox':
      return json(200, { clock: clockView(sb), settings: settingsView(rt.settings), faults: rt.faults.list(), pending_deliveries: rt.deliveries.pending });
    case 'GET /_sandbox/clock':
      return json(200, clockView(sb));
    case 'POST /_sandbox/clock/advance': {
      const b = body(req);
      const seconds = num(b.seconds, 'seconds');
      const to = num(b.to, 'to');
      if (seconds === undefined && to === undefined) throw new ControlError('Give "seconds" (to move forward by) or "to" (a unix time).');
      try {
        sb.advanceClock(seconds !== undefined ? { seconds } : { to: to as number });
      } catch (err) {
        throw new ControlError(err instanceof Error ? err.message : String(err));
      }
      return json(200, clockView(sb));
    }
    case 'GET /_sandbox/accounts':
      return json(200, {
        object: 'list',
        data: [...rt.accounts.records.values()].map((r) => ({ id: r.id, platform: r.platform, connect_client_id: r.clientId, email: r.account.email, business_name: r.account.business_profile?.name ?? null })),
      });
    case 'POST /_sandbox/accounts': {
      const b = body(req);
      const key = str(b.platform_key, 'platform_key');
      const platform = key ? accountIdForKey(key) : str(b.platform, 'platform');
      if (!platform) throw new ControlError('Give "platform_key" (the platform\'s sk_test_ key) or "platform" (its acct_ id).');
      const account = sb.createConnectedAccount(platform, { email: str(b.email, 'email') ?? null, businessName: str(b.business_name, 'business_name') ?? null, country: str(b.country, 'country') ?? 'US' });
      return json(200, account);
    }
    case 'GET /_sandbox/client_id': {
      const key = req.url.searchParams.get('key');
      const platform = key ? accountIdForKey(key) : req.url.searchParams.get('account');
      if (!platform) throw new ControlError('Give ?key=sk_test_… or ?account=acct_…');
      return json(200, { account: platform, client_id: clientIdFor(rt, platform) });
    }
    case 'GET /_sandbox/deliveries': {
      const q = req.url.searchParams;
      const data = rt.deliveries.log.filter((d) =>
        (!q.get('event') || d.event_id === q.get('event')) &&
        (!q.get('endpoint') || d.endpoint_id === q.get('endpoint')) &&
        (!q.get('type') || d.event_type === q.get('type')) &&
        (!q.get('account') || d.account === q.get('account')));
      return json(200, { object: 'list', data, pending: rt.deliveries.pending });
    }
    case 'POST /_sandbox/deliveries/settle': {
      const timeout = num(body(req).timeout_ms, 'timeout_ms') ?? 30_000;
      try {
        await rt.deliveries.settled(timeout);
      } catch (err) {
        throw new ControlError(err instanceof Error ? err.message : String(err), 408);
      }
      return json(200, { pending: rt.deliveries.pending });
    }
    case 'GET /_sandbox/faults':
      return json(200, { faults: rt.faults.list() });
    case 'POST /_sandbox/faults': {
      const b = body(req);
      try {
        if (Array.isArray(b.faults)) rt.faults.set(b.faults as FaultRule[]);
        else rt.faults.add(b as unknown as FaultRule);
      } catch (err) {
        throw new ControlError(err instanceof Error ? err.message : String(err));
      }
      return json(200, { faults: rt.faults.list() });
    }
    case 'DELETE /_sandbox/faults':
      rt.faults.clear();
      return json(200, { faults: [] });
    case 'GET /_sandbox/settings':
      return json(200, settingsView(rt.settings));
    case 'POST /_sandbox/settings': {
      const b = body(req);
      const days = numbers(b.renewal_retry_days, 'renewal_retry_days');
      const schedule = numbers(b.webhook_retry_schedule_ms, 'webhook_retry_schedule_ms');
      const exhausted = b.on_retries_exhausted;
      if (exhausted !== undefined && exhausted !== 'cancel' && exhausted !== 'unpaid') throw new ControlError('on_retries_exhausted must be "cancel" or "unpaid"');
      sb.configure({
        ...(days ? { renewalRetryDays: days } : {}),
        ...(schedule ? { webhookRetrySchedule: schedule } : {}),
        ...(exhausted ? { onRetriesExhausted: exhausted } : {}),
      });
      return json(200, settingsView(rt.settings));
    }
    case 'POST /_sandbox/reset':
      sb.reset();
      return json(200, { reset: true });
    default:
      throw new ControlError(`Unknown control endpoint: ${req.method} ${path}`, 404);
  }
}

export async function handleControl(sb: SandboxInternals, req: HttpRequest): Promise<HttpResponse> {
  try {
    return await route(sb, req);
  } catch (err) {
    const status = err instanceof ControlError ? err.status : 500;
    return json(status, { error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message: err instanceof Error ? err.message : String(err) } });
  }
}
