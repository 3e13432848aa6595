import { useEffect, useState, type FormEvent, type ReactNode } from 'react';

/**
 * With authentication on (docs/security.md) the API answers 401 until the browser holds a
 * credential. The token entered here is kept in the `skein_token` cookie (SameSite=Strict,
 * Secure over https), which every same-origin API request then carries, the trace-loading
 * worker's included. The server never learns the token from anywhere else than that request.
 */
const COOKIE = 'skein_token';

type Access = 'checking' | 'open' | 'login' | 'refused';

async function probe(): Promise<boolean> {
  const response = await fetch('/api/v1/services', { headers: { Accept: 'application/json' } });
  return response.status !== 401;
}

function setTokenCookie(token: string | undefined): void {
  const secure = window.location.protocol === 'https:' ? '; Secure' : '';
  document.cookie =
    token === undefined
      ? `${COOKIE}=; Path=/; Max-Age=0; SameSite=Strict${secure}`
      : `${COOKIE}=${encodeURIComponent(token)}; Path=/; SameSite=Strict${secure}`;
}

/** Signs out: forgets the token and shows the login page again. */
export function signOut(): void {
  setTokenCookie(undefined);
  window.location.reload();
}

export function hasSession(): boolean {
  return document.cookie.split(';').some((part) => part.trim().startsWith(`${COOKIE}=`));
}

export function LoginGate({ children }: { children: ReactNode }): ReactNode {
  const [access, setAccess] = useState<Access>('checking');
  const [token, setToken] = useState('');
  useEffect(() => {
    // A network failure is not a login problem: let the pages show it as they do.
    probe().then(
      (open) => setAccess(open ? 'open' : 'login'),
      () => setAccess('open'),
    );
  }, []);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setTokenCookie(token.trim());
    probe().then(
      (open) => {
        if (open) setAccess('open');
        else {
          setTokenCookie(undefined);
          setAccess('refused');
        }
      },
      () => setAccess('refused'),
    );
  };
  if (access === 'open') return children;
  if (access === 'checking') return null;
  return (
    <div className="login">
      <form className="login-form" onSubmit={submit}>
        <h1>Sign in to Skein</h1>
        <p>This Skein requires a credential. Paste an API token with the read role.</p>
        <label htmlFor="skein-token">API token</label>
        <input
          id="skein-token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          autoFocus
        />
        {access === 'refused' && (
          <div className="notice warn" role="alert">
            The token was not accepted.
          </div>
        )}
        <button type="submit" disabled={token.trim() === ''}>
          Sign in
        </button>
      </form>
    </div>
  );
}
