/**
 * The token of a setup link (/console/setup#<token>), taken from the fragment as the app starts and
 * removed at once from the address bar and the history (history.replaceState): it never stays in a
 * bookmark, a screenshot of the address bar or the history. It is kept in memory until exchanged.
 */
let pendingToken: string | undefined;

export function captureSetupToken(): void {
  const fragment = window.location.hash.replace(/^#/, '');
  if (!fragment || !window.location.pathname.replace(/\/+$/, '').endsWith('/setup')) return;
  pendingToken = decodeURIComponent(fragment);
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
}

/** The captured token, until it has been exchanged (forgetSetupToken). */
export function takeSetupToken(): string | undefined {
  captureSetupToken();
  return pendingToken;
}

export function forgetSetupToken(): void {
  pendingToken = undefined;
}
