import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, body } from '../api/client.ts';
import { ErrorNote, Loading, TableWrap } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { Pager, useCursorPager } from '../components/pager.tsx';

const PAGE_SIZE = 25;

export default function Groups() {
  const { tenantId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const searched = params.get('search') || undefined;
  const [search, setSearch] = useState(searched ?? '');
  const pager = useCursorPager(searched ?? '');
  const groups = useQuery({
    queryKey: ['groups', tenantId, searched, pager.after],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/groups', {
          params: {
            path: { id: tenantId },
            query: { search: searched, after: pager.after, limit: PAGE_SIZE },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(search.trim() ? { search: search.trim() } : {}, { replace: true });
  };
  return (
    <Page title="Groups">
      <form className="filters card" onSubmit={submit} role="search" aria-label="Groups">
        <div className="field grow">
          <label htmlFor="group-search">Group name</label>
          <div className="copy-row">
            <input
              id="group-search"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit">Search</button>
          </div>
        </div>
      </form>
      {groups.isPending ? (
        <Loading what="Loading groups" />
      ) : groups.error ? (
        <ErrorNote error={groups.error} />
      ) : groups.data.groups.length === 0 ? (
        <p>{searched ? 'No group matches.' : 'No groups yet: push groups from your identity provider.'}</p>
      ) : (
        <TableWrap label="Groups">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.groups.map((group) => (
              <tr key={group.id}>
                <th scope="row">
                  <Link to={group.id}>{group.displayName}</Link>
                </th>
                <td>{group.memberCount}</td>
              </tr>
            ))}
          </tbody>
        </TableWrap>
      )}
      <Pager label="Groups" pager={pager} nextCursor={groups.data?.nextCursor} busy={groups.isFetching} />
    </Page>
  );
}
