import { Link } from 'react-router';
import type { AuditEvent } from '../api/types.ts';
import { TableWrap, When } from './bits.tsx';

const OPERATIONS: Record<AuditEvent['operation'], string> = {
  create: 'Created',
  replace: 'Replaced',
  patch: 'Changed',
  delete: 'Deleted',
};

export const RESOURCE_TYPES: Record<AuditEvent['resourceType'], string> = {
  User: 'member',
  Group: 'group',
  Tenant: 'tenant',
  ApiKey: 'API key',
  SetupLink: 'setup link',
};

/**
 * Who made a change: `api-key:<id>` (the identity provider, by the key's name when known), `operator`,
 * or `setup-link:<id>` (a customer's admin signed in through that link).
 */
function actorOf(event: AuditEvent, keyNames: Map<string, string>): string {
  const [kind, id = ''] = event.actor.split(/:(.*)/s);
  if (kind === 'api-key') return `Identity provider (key ${keyNames.get(id) ?? `${id.slice(0, 8)}…`})`;
  if (kind === 'operator') return 'Operator';
  if (kind === 'setup-link') return `Admin (setup link ${id.slice(0, 8)}…)`;
  return event.actor;
}

/** Audit events, newest first; `links` adds a link to the changed member or group. */
export function AuditTable({
  events,
  label,
  links = false,
  keyNames = new Map(),
}: {
  events: AuditEvent[];
  label: string;
  links?: boolean;
  keyNames?: Map<string, string>;
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
              {RESOURCE_TYPES[event.resourceType] ?? event.resourceType}
            </td>
            {links && (
              <td>
                {event.operation !== 'delete' &&
                (event.resourceType === 'User' || event.resourceType === 'Group') ? (
                  <Link to={`../${event.resourceType === 'User' ? 'team' : 'groups'}/${event.resourceId}`}>
                    <code className="id">{event.resourceId.slice(0, 8)}…</code>
                    <span className="visually-hidden"> ({RESOURCE_TYPES[event.resourceType]})</span>
                  </Link>
                ) : (
                  <code className="id" title={event.resourceId}>
                    {event.resourceId.slice(0, 8)}…
                  </code>
                )}
              </td>
            )}
            <td>
              {event.attributes.length ? event.attributes.join(', ') : <span className="muted">none</span>}
            </td>
            <td>{actorOf(event, keyNames)}</td>
          </tr>
        ))}
      </tbody>
    </TableWrap>
  );
}
