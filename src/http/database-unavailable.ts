/** What a 503 asks clients to wait: long enough for a database restart or failover to finish. */
export const RETRY_AFTER_SECONDS = 5;

// Node's socket errors when PostgreSQL cannot be reached or drops the connection.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// pg and pg-pool report lost connections and timeouts with messages only.
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|Connection closed|Query read timeout/i;

/**
 * PostgreSQL is down, restarting, refusing connections or not answering in time: a temporary state
 * of the server (503 with Retry-After), not a bug (500) nor the client's fault (4xx). SQLSTATE class
 * 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
 * connections), and 57014 when it is our statement_timeout that cancelled the statement.
 */
export function isDatabaseUnavailable(exception: unknown): boolean {
  let current: unknown = exception;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code) || code.startsWith('08')) return true;
      if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
      if (code === '57014' && typeof message === 'string' && /statement timeout/.test(message)) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    // AggregateError (a connection refused on both 127.0.0.1 and ::1) carries its causes in `errors`.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
