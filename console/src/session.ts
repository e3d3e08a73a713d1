import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, body, currentCsrfToken, isStatus, setCsrfToken } from './api/client.ts';
import type { Session } from './api/types.ts';

export const SESSION_KEY = ['session'] as const;

/** GET /console/api/session: the live session, or null when there is none (401). */
async function readSession(): Promise<Session | null> {
  try {
    const session = body(await api.GET('/console/api/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (isStatus(error, 401)) {
      setCsrfToken(undefined);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: readSession, staleTime: 60_000, retry: false });
}

/** After a sign-in: the session the server answered, without asking again. */
export function rememberSession(client: QueryClient, session: Session | null): void {
  setCsrfToken(session?.csrfToken);
  client.setQueryData(SESSION_KEY, session);
  if (!session) client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
}

export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    try {
      await api.DELETE('/console/api/session', {
        params: { header: { 'X-CSRF-Token': currentCsrfToken() } },
      });
    } finally {
      rememberSession(client, null);
    }
  };
}

/** Where a session starts: the operator's tenant list, or a tenant admin's Connect page. */
export function homeOf(session: Session): string {
  return session.role === 'operator' || !session.tenantId ? '/tenants' : `/t/${session.tenantId}/connect`;
}
