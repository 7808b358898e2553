/**
 * What an app developer sets up once and checks when their backend missed
 * something: the tenant's app settings (allowed redirect origins, grace
 * period, config cache), the paywall, the endpoints on their backend that Tollgate signs
 * webhooks to, and the delivery log with each attempt and a resend.
 */
import { useState } from 'react';
import { api } from '../api.ts';
import { Badge, Card, DetailCard, Empty, ErrorBanner, Loading, useAction, useLoad, when } from '../ui.tsx';
import { PaywallCard } from './paywall-card.tsx';

interface Settings {
  allowed_origins: string[];
  grace_days: number;
  config_cache_ttl_seconds: number | null;
}

interface Endpoint {
  id: string;
  url: string;
  description: string;
  enabled_events: string[];
  disabled: boolean;
  created_at: string;
}

interface Delivery {
  id: string;
  message_id: string;
  url: string;
  type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
}

interface DeliveryDetail extends Delivery {
  payload: unknown;
  attempt_log: Array<{ attempt: number; trigger: string; attempted_at: string; status_code: number | null; error: string | null; response_excerpt: string | null; duration_ms: number }>;
}

function SettingsCard() {
  const settings = useLoad(() => api<Settings>('GET', '/v1/settings'));
  const action = useAction();
  const [draft, setDraft] = useState<{ origins: string; grace: string; ttl: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const current = settings.data;
  const form = draft ?? (current ? { origins: current.allowed_origins.join('\n'), grace: String(current.grace_days), ttl: current.config_cache_ttl_seconds === null ? '' : String(current.config_cache_ttl_seconds) } : null);

  const save = () =>
    action.run(async () => {
      if (!form) return;
      await api('PATCH', '/v1/settings', {
        allowed_origins: form.origins.split(/[\s,]+/).filter(Boolean),
        grace_days: Number(form.grace),
        config_cache_ttl_seconds: form.ttl.trim() === '' ? null : Number(form.ttl),
      });
      setDraft(null);
      setSaved(true);
      settings.reload();
    });

  return (
    <Card title="App settings">
      <Loading loading={settings.loading && !current} error={settings.error} />
      {form ? (
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <label className="field">Allowed origins (one per line)
            <textarea rows={3} cols={40} value={form.origins} placeholder="https://app.example.com" onChange={(e) => { setSaved(false); setDraft({ ...form, origins: e.target.value }); }} />
          </label>
          <label className="field">Grace period (days)
            <input type="number" min={0} max={60} value={form.grace} onChange={(e) => { setSaved(false); setDraft({ ...form, grace: e.target.value }); }} />
          </label>
          <label className="field">Config cache (seconds)
            <input type="number" min={0} value={form.ttl} placeholder="server default" onChange={(e) => { setSaved(false); setDraft({ ...form, ttl: e.target.value }); }} />
          </label>
          <button className="primary" disabled={action.busy}>Save settings</button>
        </form>
      ) : null}
      <p className="small muted">Checkout and portal redirect URLs must fall under an allowed origin. A past_due subscription keeps its features for the grace period.</p>
      {saved ? <div className="notice">Settings saved.</div> : null}
      <ErrorBanner error={action.error} />
    </Card>
  );
}

function EndpointsCard({ onChange }: { onChange: () => void }) {
  const endpoints = useLoad(() => api<{ data: Endpoint[] }>('GET', '/v1/webhook_endpoints'));
  const action = useAction();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);

  const change = (fn: () => Promise<unknown>) =>
    action.run(async () => {
      await fn();
      endpoints.reload();
      onChange();
    });

  return (
    <Card title="Webhook endpoints on your backend" actions={<button onClick={endpoints.reload}>Refresh</button>}>
      <form className="inline" onSubmit={(e) => {
        e.preventDefault();
        void change(async () => {
          const created = await api<Endpoint & { secret: string }>('POST', '/v1/webhook_endpoints', { url });
          setSecret({ url: created.url, secret: created.secret });
          setUrl('');
        });
      }}>
        <label className="field">Endpoint URL
          <input value={url} size={48} onChange={(e) => setUrl(e.target.value)} placeholder="https://api.example.com/tollgate/webhooks" />
        </label>
        <button className="primary" disabled={action.busy || !url}>Add endpoint</button>
      </form>
      {secret ? (
        <div className="notice" role="status">
          Signing secret for {secret.url}, shown only now: <code>{secret.secret}</code>. Verify the webhook-signature header with it (Standard Webhooks).
        </div>
      ) : null}
      <ErrorBanner error={action.error} />
      <Loading loading={endpoints.loading && !endpoints.data} error={endpoints.error} />
      {endpoints.data && !endpoints.data.data.length ? <Empty>No endpoints yet: Tollgate sends entitlements.updated, subscription.updated, invoice.payment_failed and checkout.completed once you add one.</Empty> : null}
      {endpoints.data?.data.length ? (
        <table>
          <thead><tr><th>URL</th><th>Events</th><th>Status</th><th>Added</th><th /></tr></thead>
          <tbody>
            {endpoints.data.data.map((ep) => (
              <tr key={ep.id} data-endpoint={ep.url}>
                <td className="mono small">{ep.url}</td>
                <td className="small">{ep.enabled_events.length ? ep.enabled_events.join(', ') : 'all'}</td>
                <td><Badge status={ep.disabled ? 'disabled' : 'enabled'} /></td>
                <td className="small">{when(ep.created_at)}</td>
                <td>
                  <button disabled={action.busy} onClick={() => change(() => api('PATCH', `/v1/webhook_endpoints/${ep.id}`, { disabled: !ep.disabled }))}>{ep.disabled ? 'Enable' : 'Disable'}</button>{' '}
                  <button disabled={action.busy} onClick={() => change(async () => setSecret({ url: ep.url, secret: (await api<{ secret: string }>('POST', `/v1/webhook_endpoints/${ep.id}/rotate_secret`)).secret }))}>Rotate secret</button>{' '}
                  <button className="danger" disabled={action.busy} onClick={() => { if (confirm(`Delete the endpoint ${ep.url} and its delivery log?`)) void change(() => api('DELETE', `/v1/webhook_endpoints/${ep.id}`)); }}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}

/** The status code, and the error when it says more than "HTTP <code>". */
function answer(code: number | null, error: string | null): string {
  if (code === null) return error ?? '';
  return error && error !== `HTTP ${code}` ? `${code} ${error}` : String(code);
}

const DELIVERY_STATUSES = ['', 'failed', 'pending', 'succeeded', 'canceled'];

function DeliveriesCard({ version }: { version: number }) {
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const query = new URLSearchParams({ limit: '50', ...(status ? { status } : {}) });
  const deliveries = useLoad(() => api<{ data: Delivery[] }>('GET', `/v1/webhook_deliveries?${query}`), [status, version]);
  const detail = useLoad(() => (open ? api<DeliveryDetail>('GET', `/v1/webhook_deliveries/${open}`) : Promise.resolve(undefined)), [open]);
  const action = useAction();
  const [notice, setNotice] = useState('');

  return (
    <>
      <Card title="Deliveries" actions={<button onClick={deliveries.reload}>Refresh</button>}>
        <form className="inline" onSubmit={(e) => e.preventDefault()}>
          <label className="field">Status
            <select aria-label="Delivery status filter" value={status} onChange={(e) => setStatus(e.target.value)}>
              {DELIVERY_STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
            </select>
          </label>
        </form>
        {notice ? <div className="notice">{notice}</div> : null}
        <ErrorBanner error={action.error} />
        <Loading loading={deliveries.loading && !deliveries.data} error={deliveries.error} />
        {deliveries.data && !deliveries.data.data.length ? <Empty>No deliveries match.</Empty> : null}
        {deliveries.data?.data.length ? (
          <table>
            <thead><tr><th>Created</th><th>Type</th><th>Endpoint</th><th>Status</th><th>Attempts</th><th>Last answer</th><th /></tr></thead>
            <tbody>
              {deliveries.data.data.map((d) => (
                <tr key={d.id} data-delivery={d.id}>
                  <td className="small">{when(d.created_at)}</td>
                  <td><code>{d.type}</code><br /><a href="#" className="small mono" onClick={(ev) => { ev.preventDefault(); setOpen(open === d.id ? null : d.id); }}>{d.message_id}</a></td>
                  <td className="small mono">{d.url}</td>
                  <td><Badge status={d.status} /></td>
                  <td>{d.attempts}</td>
                  <td className="small">
                    {answer(d.last_status_code, d.last_error)}
                    {d.next_attempt_at && d.status === 'pending' ? <div className="muted">next try {when(d.next_attempt_at)}</div> : null}
                  </td>
                  <td>
                    <button disabled={action.busy} onClick={() => action.run(async () => { await api('POST', `/v1/webhook_deliveries/${d.id}/resend`); setNotice(`Resending ${d.message_id}.`); deliveries.reload(); })}>
                      Resend
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
      {open ? (
        <DetailCard title={<>Delivery <code>{detail.data?.message_id ?? open}</code></>} onClose={() => setOpen(null)} state={detail}>
          {detail.data ? (
            <>
              <table>
                <thead><tr><th>Attempt</th><th>When</th><th>Trigger</th><th>Answer</th><th>Time</th><th>Response</th></tr></thead>
                <tbody>
                  {detail.data.attempt_log.map((a) => (
                    <tr key={a.attempt}>
                      <td>{a.attempt}</td>
                      <td className="small">{when(a.attempted_at)}</td>
                      <td>{a.trigger}</td>
                      <td className="small">{answer(a.status_code, a.error)}</td>
                      <td className="small">{a.duration_ms} ms</td>
                      <td className="small mono">{a.response_excerpt ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <pre>{JSON.stringify(detail.data.payload, null, 2)}</pre>
            </>
          ) : null}
        </DetailCard>
      ) : null}
    </>
  );
}

export function DevelopersPage() {
  const [version, setVersion] = useState(0);
  return (
    <>
      <SettingsCard />
      <PaywallCard />
      <EndpointsCard onChange={() => setVersion((v) => v + 1)} />
      <DeliveriesCard version={version} />
    </>
  );
}
