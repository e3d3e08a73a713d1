import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, body } from '../api/client.ts';
import type { Role } from '../api/types.ts';
import { ErrorNote, Loading, StatusBadge, TableWrap } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { Pager, useCursorPager } from '../components/pager.tsx';
import { memberName } from '../components/format.ts';

const PAGE_SIZE = 25;
const ROLES: Role[] = ['Admin', 'Editor', 'Viewer'];
type Sort = 'name' | 'userName' | 'role';
type Status = 'active' | 'deactivated';

/** The team: every member with role, status and groups; search, filters, sort and cursor paging. */
export default function Team() {
  const { tenantId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const filters = {
    search: params.get('search') || undefined,
    role: (params.get('role') as Role | null) || undefined,
    status: (params.get('status') as Status | null) || undefined,
    group: params.get('group') || undefined,
    sort: ((params.get('sort') as Sort | null) || 'name') as Sort,
    order: (params.get('order') === 'desc' ? 'desc' : 'asc') as 'asc' | 'desc',
  };
  const pager = useCursorPager(JSON.stringify(filters));
  const [search, setSearch] = useState(filters.search ?? '');
  const set = (name: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  const members = useQuery({
    queryKey: ['members', tenantId, filters, pager.after],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/members', {
          params: { path: { id: tenantId }, query: { ...filters, after: pager.after, limit: PAGE_SIZE } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const groups = useQuery({
    queryKey: ['groups', tenantId, 'for-filter'],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/groups', {
          params: { path: { id: tenantId }, query: { limit: 200 } },
        }),
      ),
  });

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    set('search', search.trim());
  };

  return (
    <Page title="Team">
      <form className="filters card" onSubmit={submitSearch} role="search" aria-label="Team members">
        <div className="field grow">
          <label htmlFor="team-search">Name or e-mail</label>
          <div className="copy-row">
            <input
              id="team-search"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit">Search</button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="team-role">Role</label>
          <select id="team-role" value={filters.role ?? ''} onChange={(e) => set('role', e.target.value)}>
            <option value="">Any role</option>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="team-status">Status</label>
          <select
            id="team-status"
            value={filters.status ?? ''}
            onChange={(e) => set('status', e.target.value)}
          >
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="deactivated">Deactivated</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="team-group">Group</label>
          <select id="team-group" value={filters.group ?? ''} onChange={(e) => set('group', e.target.value)}>
            <option value="">Any group</option>
            {groups.data?.groups.map((group) => (
              <option key={group.id} value={group.id}>
                {group.displayName}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="team-sort">Sort by</label>
          <select
            id="team-sort"
            value={`${filters.sort}:${filters.order}`}
            onChange={(e) => {
              const [sort, order] = e.target.value.split(':');
              setParams(
                (current) => {
                  const next = new URLSearchParams(current);
                  next.set('sort', sort);
                  next.set('order', order);
                  return next;
                },
                { replace: true },
              );
            }}
          >
            <option value="name:asc">Name, A to Z</option>
            <option value="name:desc">Name, Z to A</option>
            <option value="userName:asc">userName, A to Z</option>
            <option value="userName:desc">userName, Z to A</option>
            <option value="role:asc">Role, Admin first</option>
            <option value="role:desc">Role, Viewer first</option>
          </select>
        </div>
      </form>

      {members.isPending ? (
        <Loading what="Loading the team" />
      ) : members.error ? (
        <ErrorNote error={members.error} />
      ) : members.data.members.length === 0 ? (
        <p>{pager.page === 1 ? 'No members match.' : 'No more members.'}</p>
      ) : (
        <>
          <TableWrap label="Team members">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">userName / e-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Groups</th>
              </tr>
            </thead>
            <tbody>
              {members.data.members.map((member) => (
                <tr key={member.id}>
                  <th scope="row">
                    <Link to={member.id}>{memberName(member)}</Link>
                  </th>
                  <td>
                    {member.userName}
                    {member.email && member.email !== member.userName && (
                      <div className="muted">{member.email}</div>
                    )}
                  </td>
                  <td>{member.role}</td>
                  <td>
                    <StatusBadge active={member.active} />
                  </td>
                  <td>
                    {member.groups.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      member.groups.map((group, i) => (
                        <span key={group.id}>
                          {i > 0 && ', '}
                          <Link to={`../groups/${group.id}`}>{group.displayName}</Link>
                        </span>
                      ))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </TableWrap>
        </>
      )}
      <Pager label="Team" pager={pager} nextCursor={members.data?.nextCursor} busy={members.isFetching} />
    </Page>
  );
}
