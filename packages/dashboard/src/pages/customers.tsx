/**
 * Customers and billing state: look a customer up by your app's user id to
 * see their entitlements and grants (grant or revoke access by hand), and the
 * ledger's subscriptions, disputes and fraud warnings of this mode.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { Badge, Card, Empty, ErrorBanner, Loading, useAction, useLoad, when } from '../ui.tsx';

interface Entitlement {
  feature: string;
  allowed?: boolean;
  value: number | null;
  source: string | null;
  valid_until: string | null;
}

function CustomerLookup() {
  const [input, setInput] = useState('');
  const [customer, setCustomer] = useState('');
  const entitlements = useLoad(
    () =>
      customer
        ? api<{ data?: Entitlement[]; entitlements?: Entitlement[] }>('GET', `/v1/customers/${encodeURIComponent(customer)}/entitlements`).catch((err) => {
            // A customer Tollgate has not seen yet simply has nothing.
            if (err instanceof ApiError && err.status === 404) return { entitlements: [] } as { data?: Entitlement[]; entitlements?: Entitlement[] };
            throw err;
          })
        : Promise.resolve(undefined),
    [customer],
  );
  const grants = useLoad(
    () =>
      customer
        ? api<{ data: Array<{ id: string; product: string | null; feature: string | null; value: number | null; reason: string; granted_by: string; expires_at: string | null }> }>(
            'GET',
            `/v1/grants?customer=${encodeURIComponent(customer)}`,
          ).catch((err) => {
            if (err instanceof ApiError && err.status === 404) return { data: [] };
            throw err;
          })
        : Promise.resolve(undefined),
    [customer],
  );
  const grant = useAction();
  const [feature, setFeature] = useState('');
  const [product, setProduct] = useState('');
  const [reason, setReason] = useState('');
  const list = entitlements.data?.data ?? entitlements.data?.entitlements ?? [];

  const submitGrant = (e: FormEvent) => {
    e.preventDefault();
    void grant.run(async () => {
      await api('POST', '/v1/grants', { customer, ...(product ? { product } : { feature }), reason });
      setFeature('');
      setProduct('');
      setReason('');
      entitlements.reload();
      grants.reload();
    });
  };
  const revoke = (id: string) =>
    grant.run(async () => {
      await api('DELETE', `/v1/grants/${id}`);
      entitlements.reload();
      grants.reload();
    });

  return (
    <Card title="Customer entitlements">
      <form className="inline" onSubmit={(e) => { e.preventDefault(); setCustomer(input.trim()); }}>
        <label className="field">Your app’s user id<input value={input} onChange={(e) => setInput(e.target.value)} placeholder="user_123" /></label>
        <button className="primary" type="submit">Look up</button>
      </form>
      {customer ? (
        <>
          <Loading loading={entitlements.loading} error={entitlements.error} />
          {entitlements.data && !list.length ? <Empty>No entitlements: this customer can use nothing paid.</Empty> : null}
          {list.length ? (
            <table>
              <thead><tr><th>Feature</th><th>Value</th><th>Source</th><th>Valid until</th></tr></thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.feature}><td><code>{e.feature}</code></td><td>{e.value === null ? 'unlimited / on' : e.value}</td><td>{e.source ?? '—'}</td><td>{when(e.valid_until)}</td></tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {grants.data?.data.length ? (
            <table>
              <thead><tr><th>Grant</th><th>Reason</th><th>By</th><th>Expires</th><th /></tr></thead>
              <tbody>
                {grants.data.data.map((g) => (
                  <tr key={g.id}>
                    <td>{g.product ? <>product <code>{g.product}</code></> : <>feature <code>{g.feature}</code>{g.value !== null ? ` = ${g.value}` : ''}</>}</td>
                    <td>{g.reason}</td>
                    <td className="small">{g.granted_by}</td>
                    <td className="small">{when(g.expires_at)}</td>
                    <td><button className="danger" disabled={grant.busy} onClick={() => revoke(g.id)}>Revoke</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <h3 className="small muted">Grant access without billing</h3>
          <form className="inline" onSubmit={submitGrant}>
            <label className="field">Product key<input value={product} onChange={(e) => setProduct(e.target.value)} placeholder="pro" /></label>
            <label className="field">or feature key<input value={feature} onChange={(e) => setFeature(e.target.value)} placeholder="export_pdf" /></label>
            <label className="field">Reason<input required value={reason} onChange={(e) => setReason(e.target.value)} placeholder="support comp" /></label>
            <button type="submit" disabled={grant.busy}>Grant</button>
          </form>
          <ErrorBanner error={grant.error} />
        </>
      ) : null}
    </Card>
  );
}

function LedgerTable({ title, path, columns }: { title: string; path: string; columns: Array<[string, (row: any) => React.ReactNode]> }) {
  const rows = useLoad(() => api<{ data: any[] }>('GET', path));
  return (
    <Card title={title} actions={<button onClick={rows.reload}>Refresh</button>}>
      <Loading loading={rows.loading} error={rows.error} />
      {rows.data && !rows.data.data.length ? <Empty>None in this mode.</Empty> : null}
      {rows.data?.data.length ? (
        <table>
          <thead><tr>{columns.map(([h]) => <th key={h}>{h}</th>)}</tr></thead>
          <tbody>
            {rows.data.data.map((row) => (
              <tr key={row.id}>{columns.map(([h, cell]) => <td key={h}>{cell(row)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}

const money = (amount: number | null, currency: string | null) => (amount === null ? '—' : `${(amount / 100).toFixed(2)} ${currency?.toUpperCase() ?? ''}`);

export function CustomersPage() {
  return (
    <>
      <CustomerLookup />
      <LedgerTable
        title="Subscriptions"
        path="/v1/subscriptions?limit=50"
        columns={[
          ['Subscription', (r) => <code>{r.id}</code>],
          ['Customer', (r) => <code>{r.customer}</code>],
          ['Status', (r) => <><Badge status={r.status ?? 'unknown'} />{r.cancel_at_period_end ? <div className="small muted">cancels at period end</div> : null}</>],
          ['Period ends', (r) => when(r.current_period_end)],
          ['Past due since', (r) => when(r.past_due_since)],
        ]}
      />
      <LedgerTable
        title="Disputes"
        path="/v1/disputes?limit=50"
        columns={[
          ['Dispute', (r) => <code>{r.id}</code>],
          ['Amount', (r) => money(r.amount, r.currency)],
          ['Reason', (r) => r.reason],
          ['Status', (r) => <Badge status={r.status ?? 'unknown'} />],
          ['Evidence due', (r) => when(r.evidence_due_by)],
        ]}
      />
      <LedgerTable
        title="Early fraud warnings"
        path="/v1/fraud_warnings?limit=50"
        columns={[
          ['Warning', (r) => <code>{r.id}</code>],
          ['Charge', (r) => <code>{r.charge}</code>],
          ['Fraud type', (r) => r.fraud_type],
          ['Actionable', (r) => (r.actionable ? 'yes' : 'no')],
          ['Created', (r) => when(r.created)],
        ]}
      />
    </>
  );
}
