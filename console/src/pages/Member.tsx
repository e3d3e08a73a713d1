import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, body } from '../api/client.ts';
import { AuditTable } from '../components/AuditTable.tsx';
import { useKeyNames } from '../components/keys.ts';
import { ErrorNote, Loading, StatusBadge, When } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { memberName } from '../components/format.ts';

/** One member: the main attributes, every attribute as SCIM returns it, groups, history. */
export default function MemberPage() {
  const { tenantId = '', userId = '' } = useParams();
  const detail = useQuery({
    queryKey: ['member', tenantId, userId],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/members/{userId}', {
          params: { path: { id: tenantId, userId } },
        }),
      ),
  });
  const keyNames = useKeyNames(tenantId);
  if (detail.isPending) return <Loading what="Loading the member" />;
  if (detail.error)
    return (
      <Page title="Member">
        <ErrorNote error={detail.error} />
        <Link to="..">Back to the team</Link>
      </Page>
    );
  const { member, resource, history } = detail.data;
  return (
    <Page title={memberName(member)}>
      <p>
        <Link to="../team">← Team</Link>
      </p>
      <section className="card" aria-labelledby="attributes-title">
        <h2 id="attributes-title">Attributes</h2>
        <dl className="facts">
          <dt>userName</dt>
          <dd>{member.userName}</dd>
          <dt>E-mail</dt>
          <dd>{member.email ?? <span className="muted">none</span>}</dd>
          <dt>Role</dt>
          <dd>
            {member.role}
            {member.userType && member.userType !== member.role && (
              <span className="muted"> (userType “{member.userType}”)</span>
            )}
            {!member.userType && <span className="muted"> (no userType: Viewer)</span>}
          </dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge active={member.active} />
          </dd>
          <dt>externalId</dt>
          <dd>{member.externalId ?? <span className="muted">none</span>}</dd>
          <dt>Created</dt>
          <dd>
            <When at={member.createdAt} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <When at={member.updatedAt} />
          </dd>
          <dt>id</dt>
          <dd>
            <code>{member.id}</code>
          </dd>
        </dl>
        <details>
          <summary>Every attribute (the SCIM User)</summary>
          <pre className="json" tabIndex={0} aria-label="The SCIM User as JSON">
            {JSON.stringify(resource, null, 2)}
          </pre>
        </details>
      </section>
      <section className="card" aria-labelledby="groups-title">
        <h2 id="groups-title">Groups</h2>
        {member.groups.length === 0 ? (
          <p className="muted">In no group.</p>
        ) : (
          <ul>
            {member.groups.map((group) => (
              <li key={group.id}>
                <Link to={`../groups/${group.id}`}>{group.displayName}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {history.length === 0 ? (
          <p className="muted">No recorded change.</p>
        ) : (
          <AuditTable events={history} label={`History of ${memberName(member)}`} keyNames={keyNames} />
        )}
      </section>
    </Page>
  );
}
