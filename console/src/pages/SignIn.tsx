import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { api, body, isStatus } from '../api/client.ts';
import { ErrorNote } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { homeOf, rememberSession, useSession } from '../session.ts';

/** Operators sign in with the ADMIN_TOKEN; a customer's admin arrives through a setup link instead. */
export default function SignIn() {
  const [token, setToken] = useState('');
  const client = useQueryClient();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from;
  const session = useSession();
  const signIn = useMutation({
    mutationFn: async (adminToken: string) =>
      body(await api.POST('/console/api/session', { body: { adminToken } })),
    onSuccess(session) {
      rememberSession(client, session);
      navigate(from && from !== '/sign-in' ? from : homeOf(session), { replace: true });
    },
  });
  if (session.data && !signIn.isPending) return <Navigate to={homeOf(session.data)} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) signIn.mutate(token.trim());
  };
  return (
    <Page title="Sign in">
      <form className="card narrow" onSubmit={submit} aria-describedby="sign-in-help">
        <p id="sign-in-help">
          Operators sign in with the server&rsquo;s operator token (<code>ADMIN_TOKEN</code>). A
          customer&rsquo;s admin opens the setup link they were sent instead.
        </p>
        <label htmlFor="admin-token">Operator token</label>
        <input
          id="admin-token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
          aria-invalid={isStatus(signIn.error, 401) || undefined}
        />
        <button type="submit" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        {isStatus(signIn.error, 401) ? (
          <p role="alert" className="error">
            That token is not the operator token.
          </p>
        ) : (
          <ErrorNote error={signIn.error} />
        )}
      </form>
    </Page>
  );
}
