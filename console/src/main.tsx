import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { isStatus } from './api/client.ts';
import { router } from './routes.tsx';
import { SESSION_KEY, rememberSession } from './session.ts';
import { captureSetupToken } from './setup-token.ts';
import './styles.css';

// First of all: a setup link's token leaves the address bar before anything else runs or loads.
captureSetupToken();

const queryClient: QueryClient = new QueryClient({
  // A 401 on any call means the session ended (idle timeout, revoked link): back to sign-in.
  queryCache: new QueryCache({
    onError(error, query) {
      if (isStatus(error, 401) && query.queryKey[0] !== SESSION_KEY[0]) rememberSession(queryClient, null);
    },
  }),
  defaultOptions: {
    queries: {
      retry: (count, error) => count < 2 && !(error as { status?: number }).status,
      staleTime: 10_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
