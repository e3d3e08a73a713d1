import type { BulkOperation } from './request.js';

/**
 * Runs of user creates: consecutive operations of a Bulk request (in the plan's order) that POST a
 * User and name no bulkId in their data. The Users module runs such a run as one transaction (the
 * tenant held once, one INSERT for all the users, one for their audit rows, one for their events)
 * instead of one transaction per operation, while each operation keeps the answer (201 or its 400 or
 * 409), audit row and events it would get sent alone.
 *
 * Why no bulkId in the data: such an operation waits for the POST that defines it (RFC 7644 §3.7.2),
 * which may be in the same run. An operation that others name by its bulkId may be in a run: they
 * wait for the run, and then resolve to the id its user was created with.
 *
 * Why consecutive only: the operations run in order (§3.7); two creates one after the other commute
 * with nothing in between, except that the first takes a userName before the second (the INSERT keeps
 * the run's order, and the second is answered 409 as it would be alone).
 */

/** The most operations in one run: the run is one statement whose parameter holds all the users. */
export const MAX_CREATE_RUN = 1000;

/** Whether a Bulk operation joins a run of user creates. */
export function joinsCreateRun(op: BulkOperation): boolean {
  return (
    op.error === undefined &&
    op.method === 'POST' &&
    op.resourceType === 'User' &&
    op.id === undefined &&
    op.references.length === 0
  );
}
