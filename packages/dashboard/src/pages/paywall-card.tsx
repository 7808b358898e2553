/**
 * The paywall the app shows, as GET /v1/config hands it out: headline, the
 * order of the plans, the highlighted one and each plan's bullet points.
 */
import { useState } from 'react';
import { api } from '../api.ts';
import { Card, ErrorBanner, Loading, useAction, useLoad } from '../ui.tsx';

interface Paywall {
  headline: string;
  subheadline: string;
  plan_order: string[];
  highlighted_plan: string | null;
  feature_bullets: Record<string, string[]>;
}

interface Draft {
  headline: string;
  subheadline: string;
  order: string;
  highlighted: string;
  bullets: string;
}

function toDraft(p: Paywall): Draft {
  return {
    headline: p.headline,
    subheadline: p.subheadline,
    order: p.plan_order.join(', '),
    highlighted: p.highlighted_plan ?? '',
    bullets: Object.entries(p.feature_bullets)
      .flatMap(([plan, lines]) => lines.map((line) => `${plan}: ${line}`))
      .join('\n'),
  };
}

/** "pro: Unlimited projects" lines, grouped by plan. */
function parseBullets(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at < 1) continue;
    const plan = line.slice(0, at).trim();
    const bullet = line.slice(at + 1).trim();
    if (plan && bullet) (out[plan] ??= []).push(bullet);
  }
  return out;
}

export function PaywallCard() {
  const paywall = useLoad(() => api<Paywall>('GET', '/v1/paywall'));
  const action = useAction();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const form = draft ?? (paywall.data ? toDraft(paywall.data) : null);
  const edit = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...form!, ...patch });
  };

  const save = () =>
    action.run(async () => {
      if (!form) return;
      await api('PUT', '/v1/paywall', {
        headline: form.headline,
        subheadline: form.subheadline,
        plan_order: form.order.split(/[\s,]+/).filter(Boolean),
        highlighted_plan: form.highlighted.trim() || null,
        feature_bullets: parseBullets(form.bullets),
      });
      setDraft(null);
      setSaved(true);
      paywall.reload();
    });

  return (
    <Card title="Paywall">
      <Loading loading={paywall.loading && !paywall.data} error={paywall.error} />
      {form ? (
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <label className="field">Headline
            <input value={form.headline} size={30} onChange={(e) => edit({ headline: e.target.value })} placeholder="Go Pro" />
          </label>
          <label className="field">Subheadline
            <input value={form.subheadline} size={30} onChange={(e) => edit({ subheadline: e.target.value })} />
          </label>
          <label className="field">Plan order (product keys)
            <input value={form.order} onChange={(e) => edit({ order: e.target.value })} placeholder="free, pro" />
          </label>
          <label className="field">Highlighted plan
            <input value={form.highlighted} onChange={(e) => edit({ highlighted: e.target.value })} placeholder="pro" />
          </label>
          <label className="field">Bullets (plan: text, one per line)
            <textarea rows={3} cols={40} value={form.bullets} onChange={(e) => edit({ bullets: e.target.value })} placeholder="pro: Unlimited projects" />
          </label>
          <button className="primary" disabled={action.busy}>Save paywall</button>
        </form>
      ) : null}
      {saved ? <div className="notice">Paywall saved.</div> : null}
      <ErrorBanner error={action.error} />
    </Card>
  );
}
