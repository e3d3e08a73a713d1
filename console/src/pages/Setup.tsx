import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, body, describeError, isStatus } from '../api/client.ts';
import { Loading } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { homeOf, rememberSession } from '../session.ts';
import { forgetSetupToken, takeSetupToken } from '../setup-token.ts';

export default function Setup() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [setupToken] = useState(takeSetupToken);
  const [failure, setFailure] = useState<unknown>(() =>
    setupToken ? undefined : new Error('This address has no setup token. Open the whole link you were sent.'),
  );
  useEffect(() => {
    if (!setupToken) return;
    let cancelled = false;
    void (async () => {
      try {
        const session = body(await api.POST('/console/api/session', { body: { setupToken } }));
        if (cancelled) return;
        forgetSetupToken();
        rememberSession(client, session);
        navigate(homeOf(session), { replace: true });
      } catch (error) {
        if (!cancelled) {
          forgetSetupToken();
          setFailure(error);
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, navigate, setupToken]);

  return (
    <Page title={failure ? 'This setup link does not work' : 'Opening your setup link'}>
      {failure ? (
        <div className="card narrow" role="alert">
          <p>
            {isStatus(failure, 401)
              ? 'This setup link has expired or was revoked. Ask the person who sent it for a new one.'
              : describeError(failure)}
          </p>
          <p>
            <Link to="/sign-in">Operator sign-in</Link>
          </p>
        </div>
      ) : (
        <Loading what="Signing you in" />
      )}
    </Page>
  );
}
