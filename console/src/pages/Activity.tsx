import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router';
import { api, body } from '../api/client.ts';
import type { AuditEvent } from '../api/types.ts';
import { AuditTable, RESOURCE_TYPES } from '../components/AuditTable.tsx';
import { useKeyNames } from '../components/keys.ts';
import { ErrorNote, Loading } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { Pager, useCursorPager } from '../components/pager.tsx';
import { ChangeEvents, EVENT_TYPES, isEventType } from './ChangeEvents.tsx';

const PAGE_SIZE = 50;
type ResourceType = AuditEvent['resourceType'];
type Operation = AuditEvent['operation'];

type View = 'audit' | 'events';

/**
 * The tenant's activity, in two views (`?view=`): the audit trail of its writes, newest first, by
 * resource type and operation; or its change events (docs/events.md), oldest first, by event type.
 */
export default function Activity() {
  const { tenantId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const view: View = params.get('view') === 'events' ? 'events' : 'audit';
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
  const eventType = params.get('type');
  return (
    <Page title="Activity">
      <fieldset className="segmented">
        <legend>Show</legend>
        {(
          [
            ['audit', 'Audit trail'],
            ['events', 'Change events'],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="activity-view"
              value={value}
              checked={view === value}
              onChange={() => set('view', value === 'audit' ? '' : value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {view === 'audit' ? (
        <AuditTrail tenantId={tenantId} params={params} set={set} />
      ) : (
        <>
          <form
            className="filters card"
            aria-label="Filter the change events"
            onSubmit={(e) => e.preventDefault()}
          >
            <div className="field">
              <label htmlFor="activity-event-type">Event type</label>
              <select
                id="activity-event-type"
                value={eventType ?? ''}
                onChange={(e) => set('type', e.target.value)}
              >
                <option value="">Every type</option>
                {Object.keys(EVENT_TYPES).map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </select>
            </div>
          </form>
          <ChangeEvents tenantId={tenantId} type={isEventType(eventType) ? eventType : undefined} />
        </>
      )}
    </Page>
  );
}

/** The audit trail of the tenant's writes, newest first, by resource type and operation. */
function AuditTrail({
  tenantId,
  params,
  set,
}: {
  tenantId: string;
  params: URLSearchParams;
  set: (name: string, value: string) => void;
}) {
  const resourceType = (params.get('resourceType') as ResourceType | null) || undefined;
  const operation = (params.get('operation') as Operation | null) || undefined;
  const pager = useCursorPager(`${resourceType}:${operation}`);
  const events = useQuery({
    queryKey: ['audit', tenantId, resourceType, operation, pager.after],
    queryFn: async () =>
      body(
        await api.GET('/admin/v1/tenants/{id}/audit-events', {
          params: {
            path: { id: tenantId },
            query: { resourceType, operation, cursor: pager.after, limit: PAGE_SIZE },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const keyNames = useKeyNames(tenantId);
  return (
    <>
      <form className="filters card" aria-label="Filter the activity" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="activity-resource">Resource</label>
          <select
            id="activity-resource"
            value={resourceType ?? ''}
            onChange={(e) => set('resourceType', e.target.value)}
          >
            <option value="">Everything</option>
            {Object.entries(RESOURCE_TYPES).map(([value, label]) => (
              <option key={value} value={value}>
                {label[0].toUpperCase() + label.slice(1)}s
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="activity-operation">Operation</label>
          <select
            id="activity-operation"
            value={operation ?? ''}
            onChange={(e) => set('operation', e.target.value)}
          >
            <option value="">Any operation</option>
            <option value="create">Created</option>
            <option value="replace">Replaced</option>
            <option value="patch">Changed</option>
            <option value="delete">Deleted</option>
          </select>
        </div>
      </form>
      {events.isPending ? (
        <Loading what="Loading the activity" />
      ) : events.error ? (
        <ErrorNote error={events.error} />
      ) : events.data.events.length === 0 ? (
        <p>No activity{resourceType || operation ? ' matches' : ' yet'}.</p>
      ) : (
        <AuditTable events={events.data.events} label="Activity" links keyNames={keyNames} />
      )}
      <Pager label="Activity" pager={pager} nextCursor={events.data?.nextCursor} busy={events.isFetching} />
    </>
  );
}
