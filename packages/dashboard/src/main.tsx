/**
 * The operator console: a single-page app served by the Tollgate server. It
 * signs in with a console session, then works on one tenant and one mode at a
 * time (sent as the Tollgate-Tenant and Tollgate-Mode headers).
 */
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, ApiError, getContext, setContext, type Mode } from './api.ts';
import { LoginPage } from './pages/login.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { CatalogPage } from './pages/catalog.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { CustomersPage } from './pages/customers.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { DevelopersPage } from './pages/developers.tsx';
import { ErrorBanner } from './ui.tsx';

export interface Me {
  user: { id: string; email: string; is_platform_admin: boolean };
  tenants: Array<{ id: string; slug: string; name: string; role: string }>;
  csrf_token: string;
}

const PAGES = [
  { path: 'overview', label: 'Overview', render: () => <OverviewPage /> },
  { path: 'catalog', label: 'Catalog & sync', render: () => <CatalogPage /> },
  { path: 'webhooks', label: 'Webhook events', render: () => <WebhooksPage /> },
  { path: 'customers', label: 'Customers', render: () => <CustomersPage /> },
  { path: 'developers', label: 'Developers', render: () => <DevelopersPage /> },
  { path: 'settings', label: 'Keys & members', render: () => <SettingsPage /> },
] as const;

function useHash(): string {
  const [hash, setHash] = useState(() => location.hash.replace(/^#\/?/, '') || 'overview');
  useEffect(() => {
    const onChange = () => setHash(location.hash.replace(/^#\/?/, '') || 'overview');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>();
  const [mode, setMode] = useState<Mode>(getContext().mode);
  const [tenant, setTenant] = useState('');
  const page = useHash();

  const adopt = (value: Me) => {
    const saved = localStorage.getItem('tollgate.tenant');
    const chosen = value.tenants.find((t) => t.id === saved) ?? value.tenants[0];
    setContext({ csrf: value.csrf_token, tenant: chosen?.id ?? '' });
    setTenant(chosen?.id ?? '');
    setMe(value);
  };

  useEffect(() => {
    api<Me>('GET', '/api/me').then(adopt, (err) => {
      if (err instanceof ApiError && err.status === 401) setMe(null);
      else setError(err);
    });
  }, []);

  if (error) return <ErrorBanner error={error} />;
  if (me === undefined) return <p className="muted" style={{ padding: 24 }}>Loading…</p>;
  if (me === null) return <LoginPage onSignedIn={adopt} />;

  const current = PAGES.find((p) => p.path === page) ?? PAGES[0];
  const chooseMode = (next: Mode) => {
    setContext({ mode: next });
    setMode(next);
  };
  const chooseTenant = (id: string) => {
    setContext({ tenant: id });
    setTenant(id);
  };
  const logout = async () => {
    await api('POST', '/api/auth/logout');
    setMe(null);
  };
  const tenantName = me.tenants.find((t) => t.id === tenant)?.name ?? 'No tenant';

  return (
    <div className="shell">
      <nav className="side">
        <div className="brand">Tollgate</div>
        {PAGES.map((p) => (
          <a key={p.path} href={`#/${p.path}`} className={p.path === current.path ? 'active' : ''}>
            {p.label}
          </a>
        ))}
        <div className="spacer" />
        <span className="small">{me.user.email}</span>
        <a href="#" onClick={(e) => { e.preventDefault(); void logout(); }}>Sign out</a>
      </nav>
      <main>
        <div className="topbar">
          <h1>{current.label}</h1>
          {me.tenants.length > 1 ? (
            <select aria-label="Tenant" value={tenant} onChange={(e) => chooseTenant(e.target.value)}>
              {me.tenants.map((t) => (
                <option key={t.id} value={t.id}>{t.name}</option>
              ))}
            </select>
          ) : (
            <span className="muted">{tenantName}</span>
          )}
          <div className="mode-toggle" role="group" aria-label="Mode">
            {(['test', 'live'] as const).map((m) => (
              <button key={m} className={`${m} ${mode === m ? 'on' : ''}`} onClick={() => chooseMode(m)}>
                {m === 'test' ? 'Test mode' : 'Live mode'}
              </button>
            ))}
          </div>
        </div>
        <div key={`${tenant}:${mode}:${current.path}`}>{current.render()}</div>
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
