import { useQuery } from '@tanstack/react-query';
import { Link, NavLink, Navigate, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { api, body } from '../api/client.ts';
import { useSession, useSignOut } from '../session.ts';
import { ErrorNote, Loading } from './bits.tsx';

export function Layout() {
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          SCIM console
        </Link>
        {session.data && (
          <nav aria-label="Account" className="account">
            <span className="muted">
              {session.data.role === 'operator'
                ? 'Operator'
                : `Admin of ${session.data.tenantName ?? 'this tenant'}`}
            </span>
            {session.data.role === 'operator' && <NavLink to="/tenants">Tenants</NavLink>}
            <button
              type="button"
              className="link"
              onClick={async () => {
                await signOut();
                navigate('/sign-in');
              }}
            >
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

/** Pages behind a session: without one, the sign-in page (and back here after it). */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading what="Checking your session" />;
  if (session.error) return <ErrorNote error={session.error} />;
  if (!session.data) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  return <Outlet />;
}

/** A tenant's pages: its name and the tabs Connect, Team, Groups, Activity. */
export function TenantLayout() {
  const { tenantId = '' } = useParams();
  const tenant = useQuery({
    queryKey: ['tenant', tenantId],
    queryFn: async () =>
      body(await api.GET('/admin/v1/tenants/{id}', { params: { path: { id: tenantId } } })),
  });
  return (
    <>
      <nav aria-label="Tenant" className="tenant-nav">
        <span className="tenant-name">{tenant.data?.name ?? 'Tenant'}</span>
        <ul>
          <li>
            <NavLink to="connect">Connect</NavLink>
          </li>
          <li>
            <NavLink to="team">Team</NavLink>
          </li>
          <li>
            <NavLink to="groups">Groups</NavLink>
          </li>
          <li>
            <NavLink to="activity">Activity</NavLink>
          </li>
        </ul>
      </nav>
      {tenant.error ? <ErrorNote error={tenant.error} /> : <Outlet />}
    </>
  );
}
