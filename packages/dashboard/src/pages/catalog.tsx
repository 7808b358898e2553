/**
 * The catalog as an operator sees it: what is in sync with Stripe in this
 * mode (with links into the Stripe Dashboard), what drifted or failed, objects
 * found only in Stripe, the price mapping, and forms to add to the catalog.
 */
import { useState, type FormEvent } from 'react';
import { api, getContext } from '../api.ts';
import { Badge, Card, Empty, ErrorBanner, Loading, useAction, useLoad, when } from '../ui.tsx';

interface SyncEntry {
  object: 'product' | 'price';
  key: string;
  name: string;
  mode: string;
  status: string;
  stripe_id: string | null;
  dashboard_url: string | null;
  last_error: string | null;
  next_retry_at: string | null;
  synced_at: string | null;
  drift: { fields?: Record<string, { tollgate: unknown; stripe: unknown }> } | null;
}

function SyncTable({ onRefresh }: { onRefresh: () => void }) {
  const mode = getContext().mode;
  const sync = useLoad(() => api<{ data: SyncEntry[] }>('GET', `/v1/catalog/sync?mode=${mode}`));
  const action = useAction();
  return (
    <Card
      title="Sync with Stripe"
      actions={
        <>
          <button onClick={onRefresh}>Refresh</button>
          <button className="primary" disabled={action.busy} onClick={() => action.run(async () => { await api('POST', '/v1/catalog/sync', { mode }); onRefresh(); })}>
            Re-sync {mode} mode
          </button>
        </>
      }
    >
      <ErrorBanner error={action.error} />
      <Loading loading={sync.loading} error={sync.error} />
      {sync.data && !sync.data.data.length ? <Empty>No products or prices yet.</Empty> : null}
      {sync.data?.data.length ? (
        <table>
          <thead>
            <tr><th>Object</th><th>Key</th><th>Status</th><th>Stripe</th><th>Details</th></tr>
          </thead>
          <tbody>
            {sync.data.data.map((e) => (
              <tr key={`${e.object}:${e.key}`} data-key={e.key}>
                <td>{e.object}</td>
                <td><code>{e.key}</code><br /><span className="small muted">{e.name}</span></td>
                <td><Badge status={e.status} /></td>
                <td>{e.dashboard_url ? <a href={e.dashboard_url} target="_blank" rel="noreferrer"><code>{e.stripe_id}</code></a> : '—'}</td>
                <td className="small">
                  {e.status === 'error' ? <>{e.last_error}<br />next retry {when(e.next_retry_at)}</> : null}
                  {e.status === 'drifted' && e.drift?.fields
                    ? Object.entries(e.drift.fields).map(([field, d]) => (
                        <div key={field}>{field}: Tollgate <code>{JSON.stringify(d.tollgate)}</code>, Stripe <code>{JSON.stringify(d.stripe)}</code></div>
                      ))
                    : null}
                  {e.status === 'synced' ? <>synced {when(e.synced_at)}</> : null}
                  {e.status === 'not_mapped' ? <>connect a {mode}-mode Stripe key to sync</> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}

function Unmanaged() {
  const mode = getContext().mode;
  const list = useLoad(() => api<{ data: Array<{ stripe_id: string; object: string; data: { name?: string; lookupKey?: string | null; unitAmount?: number | null; currency?: string } }> }>('GET', `/v1/catalog/unmanaged?mode=${mode}`));
  const action = useAction();
  if (list.data && !list.data.data.length) return null;
  return (
    <Card title="Found only in Stripe (unmanaged)">
      <p className="small muted">Created in the Stripe Dashboard, not by Tollgate. Adopt to manage them here, or ignore.</p>
      <ErrorBanner error={action.error} />
      <Loading loading={list.loading} error={list.error} />
      <table>
        <tbody>
          {list.data?.data.map((u) => (
            <tr key={u.stripe_id}>
              <td>{u.object}</td>
              <td><code>{u.stripe_id}</code></td>
              <td>{u.data.name ?? u.data.lookupKey ?? `${u.data.unitAmount} ${u.data.currency}`}</td>
              <td className="actions">
                <button disabled={action.busy} onClick={() => action.run(async () => { await api('POST', '/v1/catalog/adopt', { mode, stripe_id: u.stripe_id }); list.reload(); })}>Adopt</button>{' '}
                <button disabled={action.busy} onClick={() => action.run(async () => { await api('POST', '/v1/catalog/ignore', { mode, stripe_id: u.stripe_id }); list.reload(); })}>Ignore</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function Mapping() {
  const mode = getContext().mode;
  const mapping = useLoad(() => api<Record<string, string>>('GET', `/v1/catalog/mapping?mode=${mode}`));
  return (
    <Card title={`Price mapping (${mode})`}>
      <p className="small muted">Every active price key and its Stripe price, generated instead of maintained by hand.</p>
      <Loading loading={mapping.loading} error={mapping.error} />
      {mapping.data ? <pre>{JSON.stringify(mapping.data, null, 2)}</pre> : null}
    </Card>
  );
}

function AddForms({ onDone }: { onDone: () => void }) {
  const [kind, setKind] = useState<'feature' | 'product' | 'price'>('product');
  const [fields, setFields] = useState<Record<string, string>>({});
  const action = useAction();
  const set = (name: string) => (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      if (kind === 'feature') await api('POST', '/v1/features', { key: fields.key, name: fields.name, type: fields.type || 'boolean' });
      if (kind === 'product') {
        const features = (fields.features ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => {
          const [feature, value] = f.split('=');
          return value === undefined ? { feature: feature! } : { feature: feature!, value: value === 'unlimited' ? null : Number(value) };
        });
        await api('POST', '/v1/products', { key: fields.key, name: fields.name, features });
      }
      if (kind === 'price') {
        await api('POST', '/v1/prices', {
          key: fields.key,
          product: fields.product,
          currency: fields.currency || 'usd',
          unit_amount: Number(fields.unit_amount),
          interval: fields.interval === 'one_time' ? null : fields.interval || 'month',
        });
      }
      setFields({});
      onDone();
    });
  };
  return (
    <Card title="Add to the catalog">
      <form className="inline" onSubmit={submit}>
        <label className="field">What<select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}><option value="feature">Feature</option><option value="product">Product</option><option value="price">Price</option></select></label>
        <label className="field">Key<input required value={fields.key ?? ''} onChange={set('key')} placeholder={kind === 'price' ? 'pro.monthly' : kind === 'product' ? 'pro' : 'export_pdf'} /></label>
        {kind !== 'price' ? <label className="field">Name<input required value={fields.name ?? ''} onChange={set('name')} /></label> : null}
        {kind === 'feature' ? <label className="field">Type<select value={fields.type ?? 'boolean'} onChange={set('type')}><option value="boolean">boolean</option><option value="limit">limit</option></select></label> : null}
        {kind === 'product' ? <label className="field">Features (key or key=limit, comma-separated)<input value={fields.features ?? ''} onChange={set('features')} placeholder="export_pdf, projects=10" size={28} /></label> : null}
        {kind === 'price' ? (
          <>
            <label className="field">Product key<input required value={fields.product ?? ''} onChange={set('product')} /></label>
            <label className="field">Amount (minor units)<input required type="number" min={0} value={fields.unit_amount ?? ''} onChange={set('unit_amount')} /></label>
            <label className="field">Currency<input value={fields.currency ?? 'usd'} onChange={set('currency')} size={5} /></label>
            <label className="field">Interval<select value={fields.interval ?? 'month'} onChange={set('interval')}><option>day</option><option>week</option><option>month</option><option>year</option><option value="one_time">one-time</option></select></label>
          </>
        ) : null}
        <button className="primary" type="submit" disabled={action.busy}>Add {kind}</button>
      </form>
      <ErrorBanner error={action.error} />
    </Card>
  );
}

export function CatalogPage() {
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  return (
    <div key={version}>
      <SyncTable onRefresh={refresh} />
      <Unmanaged />
      <AddForms onDone={refresh} />
      <Mapping />
    </div>
  );
}
