/** PostgreSQL error codes (SQLSTATE) the app answers for itself. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_DEADLOCK_DETECTED = '40P01';

/**
 * The SQLSTATE of a PostgreSQL error, found on the error itself or on what it wraps (MikroORM and
 * Nest wrap driver errors in `cause`): the one walker every caller uses.
 */
export function pgErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
