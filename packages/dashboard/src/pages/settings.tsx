/** API keys (created and shown once, revoked) and the tenant's members and invitations. */
import { useState, type FormEvent } from 'react';
import { api, getContext } from '../api.ts';
import { Badge, Card, ErrorBanner, Loading, useAction, useLoad, when } from '../ui.tsx';

interface ApiKey {
  id: string;
  mode: string;
  kind: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

function ApiKeys() {
  const keys = useLoad(() => api<{ data: ApiKey[] }>('GET', '/v1/api_keys'));
  const action = useAction();
  const [shown, setShown] = useState('');
  const create = (kind: 'publishable' | 'secret') =>
    action.run(async () => {
      const res = await api<{ key: string }>('POST', '/v1/api_keys', { kind, mode: getContext().mode, name: `console ${kind}` });
      setShown(res.key);
      keys.reload();
    });
  return (
    <Card
      title="API keys"
      actions={
        <>
          <button disabled={action.busy} onClick={() => create('publishable')}>New publishable key</button>
          <button className="primary" disabled={action.busy} onClick={() => create('secret')}>New secret key</button>
        </>
      }
    >
      {shown ? <div className="notice">Copy this key now; it will not be shown again: <code>{shown}</code></div> : null}
      <ErrorBanner error={action.error} />
      <Loading loading={keys.loading} error={keys.error} />
      <table>
        <thead><tr><th>Key</th><th>Mode</th><th>Kind</th><th>Created</th><th>Last used</th><th /></tr></thead>
        <tbody>
          {keys.data?.data.map((k) => (
            <tr key={k.id}>
              <td><code>{k.prefix}</code><div className="small muted">{k.name}</div></td>
              <td>{k.mode}</td>
              <td>{k.kind}</td>
              <td className="small">{when(k.created_at)}</td>
              <td className="small">{when(k.last_used_at)}</td>
              <td><button className="danger" disabled={action.busy} onClick={() => action.run(async () => { if (confirm(`Revoke ${k.prefix}? Apps using it stop working at once.`)) { await api('DELETE', `/v1/api_keys/${k.id}`); keys.reload(); } })}>Revoke</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function Members() {
  const members = useLoad(() => api<{ data: Array<{ user_id: string; email: string; role: string; joined_at: string }> }>('GET', '/api/members'));
  const invites = useLoad(() => api<{ data: Array<{ id: string; email: string; role: string; expires_at: string }> }>('GET', '/api/invitations').catch(() => ({ data: [] })));
  const action = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('developer');
  const [link, setLink] = useState('');
  const invite = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const res = await api<{ accept_url: string }>('POST', '/api/invitations', { email, role });
      setLink(res.accept_url);
      setEmail('');
      invites.reload();
    });
  };
  return (
    <Card title="Members">
      <Loading loading={members.loading} error={members.error} />
      <table>
        <tbody>
          {members.data?.data.map((m) => (
            <tr key={m.user_id}><td>{m.email}</td><td><Badge status={m.role} /></td><td className="small">joined {when(m.joined_at)}</td></tr>
          ))}
          {invites.data?.data.map((i) => (
            <tr key={i.id}><td>{i.email}</td><td><Badge status="pending" /> {i.role}</td><td className="small">invited, expires {when(i.expires_at)}</td></tr>
          ))}
        </tbody>
      </table>
      <form className="inline" onSubmit={invite} style={{ marginTop: 12 }}>
        <label className="field">Email<input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label className="field">Role<select value={role} onChange={(e) => setRole(e.target.value)}>{['owner', 'admin', 'developer', 'viewer'].map((r) => <option key={r}>{r}</option>)}</select></label>
        <button type="submit" disabled={action.busy}>Invite</button>
      </form>
      {link ? <div className="notice">Send this link (shown once): <code>{link}</code></div> : null}
      <ErrorBanner error={action.error} />
    </Card>
  );
}

export function SettingsPage() {
  return (
    <>
      <ApiKeys />
      <Members />
    </>
  );
}
