/**
 * The page an operator opens when something looks wrong: every Stripe event
 * received in this mode, with its processing status, attempts and last error;
 * filters; the payload; replay of one event or of every failed one.
 */
import { useState } from 'react';
import { api } from '../api.ts';
import { Badge, Card, DetailCard, Empty, ErrorBanner, Loading, useAction, useLoad, when } from '../ui.tsx';

interface WebhookEvent {
  id: string;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  outcome: string | null;
  object: { type: string | null; id: string | null };
  created: string;
  received_at: string;
  processed_at: string | null;
}

const STATUSES = ['', 'failed', 'retrying', 'pending', 'processed', 'ignored'];

export function WebhooksPage() {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const query = new URLSearchParams({ limit: '100', ...(status ? { status } : {}), ...(type ? { type } : {}) });
  const events = useLoad(() => api<{ data: WebhookEvent[]; has_more: boolean; summary: Record<string, number> }>('GET', `/v1/webhooks/events?${query}`), [status, type]);
  const detail = useLoad(() => (open ? api<{ payload: unknown }>('GET', `/v1/webhooks/events/${open}`) : Promise.resolve(undefined)), [open]);
  const action = useAction();
  const [notice, setNotice] = useState('');

  const replayAll = () =>
    action.run(async () => {
      const res = await api<{ replayed?: number; queued?: number; has_more?: boolean }>('POST', '/v1/webhooks/events/replay', {});
      setNotice(`Queued ${res.replayed ?? res.queued ?? 0} failed event(s) for another attempt.`);
      events.reload();
    });

  return (
    <>
      <Card
        title="Stripe events"
        actions={
          <>
            <button onClick={events.reload}>Refresh</button>
            <button className="primary" disabled={action.busy || !events.data?.summary.failed} onClick={replayAll}>
              Replay all failed
            </button>
          </>
        }
      >
        {events.data ? (
          <div className="stats" style={{ marginBottom: 12 }}>
            {Object.entries(events.data.summary).map(([s, n]) => (
              <div className="stat" key={s}><Badge status={s} /><b>{n}</b></div>
            ))}
          </div>
        ) : null}
        <form className="inline" onSubmit={(e) => e.preventDefault()}>
          <label className="field">Status
            <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value)}>
              {STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
            </select>
          </label>
          <label className="field">Type (or prefix*)
            <input value={type} onChange={(e) => setType(e.target.value)} placeholder="invoice.*" />
          </label>
        </form>
        {notice ? <div className="notice">{notice}</div> : null}
        <ErrorBanner error={action.error} />
        <Loading loading={events.loading} error={events.error} />
        {events.data && !events.data.data.length ? <Empty>No events match.</Empty> : null}
        {events.data?.data.length ? (
          <table>
            <thead><tr><th>Received</th><th>Type</th><th>Object</th><th>Status</th><th>Attempts</th><th>Error</th><th /></tr></thead>
            <tbody>
              {events.data.data.map((e) => (
                <tr key={e.id} data-event={e.id}>
                  <td className="small">{when(e.received_at)}</td>
                  <td><code>{e.type}</code><br /><a href="#" className="small mono" onClick={(ev) => { ev.preventDefault(); setOpen(open === e.id ? null : e.id); }}>{e.id}</a></td>
                  <td className="small mono">{e.object.id ?? '—'}</td>
                  <td><Badge status={e.status} />{e.outcome ? <div className="small muted">{e.outcome}</div> : null}</td>
                  <td>{e.attempts}</td>
                  <td className="small">{e.last_error ?? ''}{e.next_attempt_at && e.status !== 'processed' ? <div className="muted">next try {when(e.next_attempt_at)}</div> : null}</td>
                  <td>
                    <button disabled={action.busy} onClick={() => action.run(async () => { await api('POST', `/v1/webhooks/events/${e.id}/replay`); setNotice(`Replayed ${e.id}.`); events.reload(); })}>
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
      {open ? (
        <DetailCard title={<>Payload of <code>{open}</code></>} onClose={() => setOpen(null)} state={detail}>
          {detail.data ? <pre>{JSON.stringify(detail.data.payload, null, 2)}</pre> : null}
        </DetailCard>
      ) : null}
    </>
  );
}
