import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, body } from '../api/client.ts';
import type { ChangeEvent } from '../api/types.ts';
import { ErrorNote, Loading, TableWrap, When } from '../components/bits.tsx';

const PAGE_SIZE = 50;
type EventType = ChangeEvent['type'];

/** The catalogue of docs/events.md (the Record makes the compiler list every type of the OpenAPI union). */
export const EVENT_TYPES: Record<EventType, string> = {
  'user.created': 'Member created',
  'user.updated': 'Member changed',
  'user.deactivated': 'Member deactivated',
  'user.reactivated': 'Member reactivated',
  'user.role_changed': 'Role changed',
  'user.deleted': 'Member deleted',
  'group.created': 'Group created',
  'group.updated': 'Group changed',
  'group.deleted': 'Group deleted',
  'group.member_added': 'Member added to a group',
  'group.member_removed': 'Member removed from a group',
};

export function isEventType(value: string | null): value is EventType {
  return value !== null && Object.hasOwn(EVENT_TYPES, value);
}

/** The resource an event is about: a member or a group, with its id and the names the payload carries. */
function resourceOf(event: ChangeEvent): { kind: 'User' | 'Group'; id: string; names: string[] } {
  if (event.type === 'group.member_added' || event.type === 'group.member_removed') {
    return { kind: 'Group', id: event.data.group.id, names: [event.data.group.displayName] };
  }
  const resource = event.data.resource as { id: string; meta: { resourceType: 'User' | 'Group' } } & Record<
    string,
    unknown
  >;
  const names = [resource.userName, resource.displayName].filter(
    (name): name is string => typeof name === 'string' && name !== '',
  );
  return { kind: resource.meta.resourceType, id: resource.id, names };
}

function ResourceLink({ kind, id, deleted }: { kind: 'User' | 'Group'; id: string; deleted: boolean }) {
  const what = kind === 'User' ? 'member' : 'group';
  if (deleted) {
    return (
      <code className="id" title={id}>
        {id.slice(0, 8)}…
      </code>
    );
  }
  return (
    <Link to={`../${kind === 'User' ? 'team' : 'groups'}/${id}`}>
      <code className="id">{id.slice(0, 8)}…</code>
      <span className="visually-hidden"> ({what})</span>
    </Link>
  );
}

/** Change events in the API's order (oldest first); "Load more" reads on from the last page's nextCursor. */
function EventsTable({ events }: { events: ChangeEvent[] }) {
  return (
    <TableWrap label="Change events">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Resource</th>
          <th scope="col">Request</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => {
          const resource = resourceOf(event);
          const member =
            event.type === 'group.member_added' || event.type === 'group.member_removed'
              ? event.data.member
              : undefined;
          return (
            <tr key={event.id}>
              <td>
                <When at={event.occurredAt} />
              </td>
              <td>
                <code>{event.type}</code>
                <div className="muted">{EVENT_TYPES[event.type] ?? ''}</div>
              </td>
              <td>
                {resource.names.length > 0 && <div>{resource.names.join(' · ')}</div>}
                <ResourceLink
                  kind={resource.kind}
                  id={resource.id}
                  deleted={event.type.endsWith('.deleted')}
                />
                {member && (
                  <div>
                    {member.type === 'User' ? 'member' : 'group'}{' '}
                    <ResourceLink kind={member.type} id={member.value} deleted={false} />
                  </div>
                )}
              </td>
              <td>
                <code className="id">{event.requestId}</code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </TableWrap>
  );
}

/** The tenant's change events (docs/events.md), oldest first, by type, read on with "Load more". */
export function ChangeEvents({ tenantId, type }: { tenantId: string; type?: EventType }) {
  const events = useInfiniteQuery({
    queryKey: ['events', tenantId, type],
    queryFn: async ({ pageParam }) =>
      body(
        await api.GET('/admin/v1/tenants/{id}/events', {
          params: { path: { id: tenantId }, query: { after: pageParam, limit: PAGE_SIZE, types: type } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    // Every page has a nextCursor (the feed never ends): the next page holds what came after it.
    getNextPageParam: (last) => last.nextCursor,
  });
  if (events.isPending) return <Loading what="Loading the change events" />;
  if (events.error && !events.data) return <ErrorNote error={events.error} />;
  const all = events.data.pages.flatMap((page) => page.events);
  const lastPage = events.data.pages[events.data.pages.length - 1];
  const upToDate = lastPage.events.length < PAGE_SIZE;
  return (
    <>
      {all.length === 0 ? (
        <p>No change events{type ? ' of this type' : ''} yet.</p>
      ) : (
        <EventsTable events={all} />
      )}
      {events.isFetchNextPageError && <ErrorNote error={events.error} />}
      <div className="pager">
        <button
          type="button"
          className="secondary"
          onClick={() => void events.fetchNextPage()}
          disabled={events.isFetching}
        >
          Load more
        </button>
        <span aria-live="polite">
          {all.length} event{all.length === 1 ? '' : 's'}
          {upToDate ? ', the latest included' : ''}
        </span>
      </div>
    </>
  );
}
