/**
 * Sign in with a bearer token (the kind a kubeconfig holds) and the workspace to start in.
 * The token is checked with a SelfSubjectReview in that workspace, which also tells who it
 * is; nothing goes into the URL, and the form is never submitted as a navigation.
 */
import { type FormEvent, useId, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { Api, ApiError } from '../api/http.ts';
import { clusterBase, isWorkspacePath } from '../api/paths.ts';
import { routes } from '../app/routes.ts';
import { useSession } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; groups?: string[] } };
}

export function SignIn() {
  const { session, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [token, setToken] = useState('');
  const [workspace, setWorkspace] = useState('root');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const tokenId = useId();
  const wsId = useId();
  if (session && !busy) return <Navigate to={routes.catalog(session.home)} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const ws = workspace.trim().replace(/^:/, '');
    if (!isWorkspacePath(ws)) {
      setError(new Error(`“${ws}” is not a workspace path: use the form root:team:project.`));
      return;
    }
    const bearer = token.trim();
    if (!bearer) {
      setError(new Error('Paste a bearer token.'));
      return;
    }
    setBusy(true);
    try {
      const api = new Api(bearer, () => undefined);
      const review = await api.json<SelfSubjectReview>(
        `${clusterBase(ws)}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
        {
          method: 'POST',
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        },
      );
      const info = review.status?.userInfo ?? {};
      signIn({ token: bearer, user: info.username ?? '', groups: info.groups ?? [], home: ws });
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from?.startsWith('/w/') ? from : routes.catalog(ws), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 401) {
        setError(
          new ApiError(
            401,
            'The token was not accepted: it is wrong, expired or revoked.',
            'Unauthorized',
          ),
        );
      } else if (err instanceof ApiError && err.code === 403) {
        setError(new ApiError(403, `This token may not enter ${ws}: ${err.message}`, err.reason));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} autoComplete="off">
        <h1>Sign in to Canopy</h1>
        <p className="muted">
          Paste a bearer token: the <code>token</code> of a user in a kubeconfig, or one from{' '}
          <code>kubectl create token</code>.
        </p>
        <label htmlFor={tokenId}>Token</label>
        <input
          id={tokenId}
          name="token"
          type="password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          spellCheck={false}
          required
        />
        <label htmlFor={wsId}>Workspace</label>
        <input
          id={wsId}
          name="workspace"
          value={workspace}
          onChange={(e) => setWorkspace(e.target.value)}
          spellCheck={false}
          placeholder="root:consumers:pg"
        />
        <ErrorBanner error={error} title="Could not sign in" />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
