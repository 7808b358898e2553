/** Sign in, or create an account (the first account of a fresh install owns a new tenant). */
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { Me } from '../main.tsx';
import { ErrorBanner, useAction } from '../ui.tsx';

export function LoginPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const invite = new URLSearchParams(location.search).get('invite') ?? undefined;
  const [signup, setSignup] = useState(Boolean(invite));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const body = signup ? { email, password, ...(invite ? { invite_token: invite } : {}) } : { email, password };
      onSignedIn(await api<Me>('POST', signup ? '/api/auth/signup' : '/api/auth/login', body));
    });
  };

  return (
    <div className="login card">
      <h2>{signup ? 'Create your account' : 'Sign in to Tollgate'}</h2>
      <form onSubmit={submit}>
        <label className="field">
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          Password
          <input type="password" name="password" autoComplete={signup ? 'new-password' : 'current-password'} required minLength={signup ? 10 : 1} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ErrorBanner error={action.error} />
        <button className="primary" type="submit" disabled={action.busy}>
          {signup ? 'Create account' : 'Sign in'}
        </button>
      </form>
      <p className="small muted">
        {signup ? 'Already have an account? ' : 'First time here, or invited? '}
        <a href="#" onClick={(e) => { e.preventDefault(); setSignup(!signup); action.clear(); }}>
          {signup ? 'Sign in' : 'Create an account'}
        </a>
      </p>
    </div>
  );
}
