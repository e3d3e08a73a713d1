import { useState } from 'react';

/**
 * Cursor paging with Previous: the server pages forward (`after=` the previous page's nextCursor); the
 * cursors of the pages seen before are kept here, so Previous goes back without counting offsets.
 * `key` is the filter set: a new filter starts at the first page again.
 */
export function useCursorPager(key: string) {
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[]; after?: string }>({
    key,
    stack: [],
  });
  const current = state.key === key ? state : { key, stack: [], after: undefined };
  return {
    after: current.after,
    page: current.stack.length + 1,
    next: (cursor: string) => setState({ key, stack: [...current.stack, current.after], after: cursor }),
    previous: () =>
      setState({ key, stack: current.stack.slice(0, -1), after: current.stack[current.stack.length - 1] }),
    hasPrevious: current.stack.length > 0,
  };
}

export function Pager({
  label,
  pager,
  nextCursor,
  busy,
}: {
  label: string;
  pager: ReturnType<typeof useCursorPager>;
  nextCursor?: string | null;
  busy?: boolean;
}) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button
        type="button"
        className="secondary"
        onClick={pager.previous}
        disabled={!pager.hasPrevious || busy}
      >
        Previous
      </button>
      <span aria-live="polite">Page {pager.page}</span>
      <button
        type="button"
        className="secondary"
        onClick={() => nextCursor && pager.next(nextCursor)}
        disabled={!nextCursor || busy}
      >
        Next
      </button>
    </nav>
  );
}
