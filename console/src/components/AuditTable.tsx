import { Link } from 'react-router';
import type { AuditEvent } from '../api/types.ts';
import { TableWrap, When } from './bits.tsx';

const OPERATIONS: Record<string, string> = {
  create: 'Created',
  replace: 'Replaced',
  patch: 'Changed',
  delete: 'Deleted',
};

/** Who made a change: the identity provider's key, or a console session's actor. */
function actorOf(event: AuditEvent): string {
  const actor = (event as { actor?: string }).actor;
  if (actor) return actor;
  return event.apiKeyId ? `API key ${event.apiKeyId.slice(0, 8)}…` : 'unknown';
}

/** Audit events, newest first; `links` adds a link to the changed member or group. */
export function AuditTable({
  events,
  label,
  links = false,
}: {
  events: AuditEvent[];
  label: string;
  links?: boolean;
}) {
  return (
    <TableWrap label={label}>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          {links && <th scope="col">Resource</th>}
          <th scope="col">Attributes</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id}>
            <td>
              <When at={event.time} />
            </td>
            <td>
              {OPERATIONS[event.operation] ?? event.operation}{' '}
              {event.resourceType === 'User' ? 'member' : 'group'}
            </td>
            {links && (
              <td>
                {event.operation === 'delete' ? (
                  <code>{event.resourceId}</code>
                ) : (
                  <Link to={`../${event.resourceType === 'User' ? 'team' : 'groups'}/${event.resourceId}`}>
                    <code>{event.resourceId.slice(0, 8)}…</code>
                    <span className="visually-hidden"> {event.resourceType}</span>
                  </Link>
                )}
              </td>
            )}
            <td>
              {event.attributes.length ? event.attributes.join(', ') : <span className="muted">none</span>}
            </td>
            <td>{actorOf(event)}</td>
          </tr>
        ))}
      </tbody>
    </TableWrap>
  );
}
