import { type FormEvent, useId, useState } from 'react';
import { useSession } from '../../api/context.tsx';
import { describeError } from '../../lib/errors.ts';
import { linkTo, navigate } from '../../lib/router.ts';

type Mode = 'sign-in' | 'register';

/** Sign in or create an account; once signed in, who you are and the way out. */
export function AccountPage() {
  const { session, status, manager } = useSession();
  if (status === 'restoring') return <p role="status">Checking your sign-in…</p>;
  if (session) {
    return (
      <section className="panel narrow" aria-labelledby="account-heading">
        <h2 id="account-heading">Your account</h2>
        <p>
          Signed in as <strong>{session.user.email}</strong>.
        </p>
        <div className="form-actions">
          <a className="button-like primary" {...linkTo('/gallery')}>
            Open your gallery
          </a>
          <button type="button" onClick={() => void manager.signOut()}>
            Sign out
          </button>
        </div>
      </section>
    );
  }
  return <AuthForm />;
}

function AuthForm() {
  const { manager } = useSession();
  const [mode, setMode] = useState<Mode>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = credentialsProblem(mode, email, password);
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      await (mode === 'sign-in' ? manager.signIn(email, password) : manager.register(email, password));
      navigate('/');
    } catch (failure) {
      setError(describeError(failure).message);
    } finally {
      setBusy(false);
    }
  };

  const switchTo = (next: Mode) => {
    setMode(next);
    setError(null);
  };

  return (
    <section className="panel narrow" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{mode === 'sign-in' ? 'Sign in' : 'Create an account'}</h2>
      <p className="hint">
        Signed in, every photo you convert and its result are kept in your gallery. Converting works without
        an account too.
      </p>
      <form onSubmit={submit} aria-labelledby={`${id}-heading`} noValidate>
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 10 : undefined}
            aria-describedby={mode === 'register' ? `${id}-password-hint` : undefined}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          {mode === 'register' && (
            <p className="hint" id={`${id}-password-hint`}>
              10 to 128 characters; not a common password and not your email.
            </p>
          )}
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Please wait…' : mode === 'sign-in' ? 'Sign in' : 'Create account'}
          </button>
          <button
            type="button"
            className="link"
            onClick={() => switchTo(mode === 'sign-in' ? 'register' : 'sign-in')}
          >
            {mode === 'sign-in' ? 'No account yet? Create one' : 'Have an account? Sign in'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** What is plainly wrong before asking the server (which checks the rest: common passwords, …). */
function credentialsProblem(mode: Mode, email: string, password: string): string | null {
  if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) return 'Enter your email address, like ada@example.com.';
  if (password === '') return 'Enter your password.';
  if (mode === 'register' && (password.length < 10 || password.length > 128))
    return 'Choose a password of 10 to 128 characters.';
  return null;
}
