import { Navigate, createBrowserRouter, type RouteObject } from 'react-router';
import { Layout, RequireSession, TenantLayout } from './components/Layout.tsx';
import { useSession, homeOf } from './session.ts';
import { Loading } from './components/bits.tsx';

/** Each page is its own chunk, loaded when first opened (route-level code splitting). */
const page = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

function Home() {
  const session = useSession();
  if (session.isPending) return <Loading />;
  return <Navigate to={session.data ? homeOf(session.data) : '/sign-in'} replace />;
}

export const router = createBrowserRouter(
  [
    {
      element: <Layout />,
      children: [
        { index: true, element: <Home /> },
        { path: 'sign-in', ...page(() => import('./pages/SignIn.tsx')) },
        { path: 'setup', ...page(() => import('./pages/Setup.tsx')) },
        {
          element: <RequireSession />,
          children: [
            { path: 'tenants', ...page(() => import('./pages/Tenants.tsx')) },
            {
              path: 't/:tenantId',
              element: <TenantLayout />,
              children: [
                { index: true, element: <Navigate to="connect" replace /> },
                { path: 'connect', ...page(() => import('./pages/Connect.tsx')) },
                { path: 'team', ...page(() => import('./pages/Team.tsx')) },
                { path: 'team/:userId', ...page(() => import('./pages/Member.tsx')) },
                { path: 'groups', ...page(() => import('./pages/Groups.tsx')) },
                { path: 'groups/:groupId', ...page(() => import('./pages/Group.tsx')) },
                { path: 'activity', ...page(() => import('./pages/Activity.tsx')) },
              ],
            },
          ],
        },
        { path: '*', ...page(() => import('./pages/NotFound.tsx')) },
      ],
    },
  ],
  { basename: '/console' },
);
