/** Small building blocks shared by every console page. */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError } from './api.ts';

export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [loading, setLoading] = useState(true);
  const reload = useCallback(() => {
    setLoading(true);
    load().then(
      (value) => {
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: Error) => {
        setError(err);
        setLoading(false);
      },
    );
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, loading, reload };
}

/** Runs an action, keeping its error to show next to the button that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

export function ErrorBanner({ error }: { error?: Error }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'error';
  return (
    <div className="error" role="alert">
      <strong>{code}</strong> {error.message}
    </div>
  );
}

const BADGES: Record<string, string> = {
  synced: 'ok',
  connected: 'ok',
  processed: 'ok',
  active: 'ok',
  succeeded: 'ok',
  enabled: 'ok',
  pending: 'wait',
  queued: 'wait',
  processing: 'wait',
  error: 'bad',
  failed: 'bad',
  drifted: 'warn',
  ignored: 'muted',
  not_mapped: 'muted',
  not_connected: 'muted',
};

const LABELS: Record<string, string> = { not_mapped: 'Not Mapped', not_connected: 'Not connected' };

export function Badge({ status }: { status: string }) {
  const label = LABELS[status] ?? status.charAt(0).toUpperCase() + status.slice(1).replace(/_/g, ' ');
  return <span className={`badge ${BADGES[status] ?? 'muted'}`}>{label}</span>;
}

export function Card({ title, actions, children }: { title: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="card">
      <header>
        <h2>{title}</h2>
        <div className="actions">{actions}</div>
      </header>
      {children}
    </section>
  );
}

/** A card showing one opened item (a payload, a delivery) under a list, with a Close button. */
export function DetailCard({ title, onClose, state, children }: { title: ReactNode; onClose: () => void; state: { loading: boolean; error?: Error }; children: ReactNode }) {
  return (
    <Card title={title} actions={<button onClick={onClose}>Close</button>}>
      <Loading loading={state.loading} error={state.error} />
      {children}
    </Card>
  );
}

export function Loading({ loading, error }: { loading: boolean; error?: Error }) {
  if (error) return <ErrorBanner error={error} />;
  if (loading) return <p className="muted">Loading…</p>;
  return null;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString();
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
