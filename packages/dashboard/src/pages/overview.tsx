/** The tenant at a glance: Stripe connection per mode (connect, disconnect) and catalog sync health. */
import { useState, type FormEvent } from 'react';
import { api, getContext } from '../api.ts';
import { Badge, Card, ErrorBanner, Loading, useAction, useLoad, when } from '../ui.tsx';

interface Connection {
  mode: 'test' | 'live';
  status: string;
  status_detail?: string | null;
  key_kind?: string;
  key_last4?: string;
  account_id?: string | null;
  account_name?: string | null;
  connected_at?: string;
  webhook?: { endpoint_id: string; url: string; source: string; stripe_endpoint_id: string | null; enabled_events: number } | null;
}

function ConnectForm({ mode, onDone }: { mode: 'test' | 'live'; onDone: () => void }) {
  const [key, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await api('PUT', `/v1/providers/stripe/${mode}`, { secret_key: key, ...(secret ? { webhook_secret: secret } : {}) });
      setKey('');
      setSecret('');
      onDone();
    });
  };
  return (
    <form className="inline" onSubmit={submit}>
      <label className="field">
        Stripe secret or restricted key
        <input name="secret_key" type="password" placeholder={`sk_${mode}_… or rk_${mode}_…`} value={key} onChange={(e) => setKey(e.target.value)} size={34} required />
      </label>
      <label className="field">
        Webhook secret (optional)
        <input name="webhook_secret" type="password" placeholder="whsec_… of your own endpoint" value={secret} onChange={(e) => setSecret(e.target.value)} size={26} />
      </label>
      <button className="primary" type="submit" disabled={action.busy}>Connect</button>
      <ErrorBanner error={action.error} />
    </form>
  );
}

function ConnectionCard({ c, reload }: { c: Connection; reload: () => void }) {
  const action = useAction();
  const connected = c.status !== 'not_connected';
  return (
    <Card
      title={<>Stripe, {c.mode} mode <Badge status={c.status} /></>}
      actions={connected ? <button className="danger" disabled={action.busy} onClick={() => action.run(async () => { if (confirm(`Disconnect ${c.mode} mode? The stored key is deleted.`)) { await api('DELETE', `/v1/providers/stripe/${c.mode}`); reload(); } })}>Disconnect</button> : null}
    >
      <ErrorBanner error={action.error} />
      {connected ? (
        <table>
          <tbody>
            <tr><th>Account</th><td>{c.account_name ?? '—'} <code>{c.account_id ?? 'unknown (restricted key)'}</code></td></tr>
            <tr><th>Key</th><td>{c.key_kind} key ending in <code>{c.key_last4}</code> (stored encrypted, never shown)</td></tr>
            <tr><th>Connected</th><td>{when(c.connected_at)}</td></tr>
            {c.status_detail ? <tr><th>Problem</th><td className="error">{c.status_detail}</td></tr> : null}
            <tr>
              <th>Webhooks</th>
              <td>
                {c.webhook ? (
                  <>
                    {c.webhook.source === 'registered' ? `Registered by Tollgate (${c.webhook.enabled_events} events)` : 'Your own endpoint'}
                    <br />
                    <code>{c.webhook.url}</code>
                  </>
                ) : (
                  <span className="error">No webhook endpoint: events will not arrive.</span>
                )}
              </td>
            </tr>
          </tbody>
        </table>
      ) : (
        <>
          <p className="muted">Nothing in this mode syncs or charges until a key is connected.</p>
          <ConnectForm mode={c.mode} onDone={reload} />
        </>
      )}
    </Card>
  );
}

export function OverviewPage() {
  const connections = useLoad(() => api<{ data: Connection[] }>('GET', '/v1/providers'));
  const sync = useLoad(() => api<{ summary: Record<string, number> }>('GET', `/v1/catalog/sync?mode=${getContext().mode}`));
  const health = useLoad(() => fetch('/health').then((r) => r.json() as Promise<{ status: string; checks: Record<string, { ok: boolean; detail?: string }> }>));
  return (
    <>
      <Card title="Service health">
        <Loading loading={health.loading} error={health.error} />
        {health.data ? (
          <div className="stats">
            {Object.entries(health.data.checks).map(([name, check]) => (
              <div className="stat" key={name}>
                <span className="muted small">{name}</span>
                <b>{check.ok ? 'OK' : 'Failing'}</b>
                {check.detail ? <span className="small">{check.detail}</span> : null}
              </div>
            ))}
          </div>
        ) : null}
      </Card>
      <Card title={`Catalog sync (${getContext().mode} mode)`} actions={<a href="#/catalog">Open</a>}>
        <Loading loading={sync.loading} error={sync.error} />
        {sync.data ? (
          <div className="stats">
            {['synced', 'pending', 'error', 'drifted', 'not_mapped'].map((s) => (
              <div className="stat" key={s}>
                <Badge status={s} />
                <b>{sync.data!.summary[s] ?? 0}</b>
              </div>
            ))}
          </div>
        ) : null}
      </Card>
      <Loading loading={connections.loading} error={connections.error} />
      {connections.data?.data.map((c) => <ConnectionCard key={c.mode} c={c} reload={connections.reload} />)}
    </>
  );
}
