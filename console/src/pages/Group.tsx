import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, body } from '../api/client.ts';
import { AuditTable } from '../components/AuditTable.tsx';
import { useKeyNames } from '../components/keys.ts';
import { ErrorNote, Loading, StatusBadge, TableWrap, When } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { Pager, useCursorPager } from '../components/pager.tsx';
import { memberName } from '../components/format.ts';

const PAGE_SIZE = 25;

export default function GroupPage() {
  const { tenantId = '', groupId = '' } = useParams();
  const pager = useCursorPager(groupId);
  const detail = useQuery({
    queryKey: ['group', tenantId, groupId],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/groups/{groupId}', {
          params: { path: { id: tenantId, groupId } },
        }),
      ),
  });
  const members = useQuery({
    queryKey: ['group-members', tenantId, groupId, pager.after],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/groups/{groupId}/members', {
          params: { path: { id: tenantId, groupId }, query: { after: pager.after, limit: PAGE_SIZE } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const keyNames = useKeyNames(tenantId);
  if (detail.isPending) return <Loading what="Loading the group" />;
  if (detail.error)
    return (
      <Page title="Group">
        <ErrorNote error={detail.error} />
      </Page>
    );
  const { group, history } = detail.data;
  return (
    <Page title={group.displayName}>
      <p>
        <Link to="../groups">← Groups</Link>
      </p>
      <dl className="facts card">
        <dt>Members</dt>
        <dd>{group.memberCount}</dd>
        <dt>externalId</dt>
        <dd>{group.externalId ?? <span className="muted">none</span>}</dd>
        <dt>Created</dt>
        <dd>
          <When at={group.createdAt} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <When at={group.updatedAt} />
        </dd>
      </dl>
      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        {members.isPending ? (
          <Loading what="Loading members" />
        ) : members.error ? (
          <ErrorNote error={members.error} />
        ) : members.data.members.length === 0 ? (
          <p className="muted">No members.</p>
        ) : (
          <TableWrap label={`Members of ${group.displayName}`}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">userName</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {members.data.members.map((member) => (
                <tr key={member.id}>
                  <th scope="row">
                    <Link to={`../team/${member.id}`}>{memberName(member)}</Link>
                  </th>
                  <td>{member.userName}</td>
                  <td>{member.role}</td>
                  <td>
                    <StatusBadge active={member.active} />
                  </td>
                </tr>
              ))}
            </tbody>
          </TableWrap>
        )}
        <Pager
          label="Members"
          pager={pager}
          nextCursor={members.data?.nextCursor}
          busy={members.isFetching}
        />
      </section>
      <section className="card" aria-labelledby="group-history-title">
        <h2 id="group-history-title">History</h2>
        {history.length === 0 ? (
          <p className="muted">No recorded change.</p>
        ) : (
          <AuditTable events={history} label={`History of ${group.displayName}`} keyNames={keyNames} />
        )}
      </section>
    </Page>
  );
}
