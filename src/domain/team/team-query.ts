import { ScimError } from '../errors.js';
import { isUuid } from '../ids.js';
import { parseTeamRole, type TeamRole } from './roles.js';

/**
 * The queries of the team API (src/modules/team): members and groups, filtered and paged with keyset
 * cursors. Pure parsing and the cursor codec; the statements are in src/storage/team.repository.ts.
 */

export const TEAM_PAGE_DEFAULT = 50;
export const TEAM_PAGE_MAX = 200;
const SEARCH_MAX = 200;
const CURSOR_MAX = 512;

export const MEMBER_SORTS = ['name', 'userName', 'role'] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

export interface MembersQuery {
  /** Case-insensitive substring of the name, userName or email (lowercased here). */
  search?: string;
  role?: TeamRole;
  /** true: active members only; false: deactivated only. */
  active?: boolean;
  group?: string;
  sort: MemberSort;
  order: SortOrder;
  after?: TeamCursor;
  limit: number;
}

export interface GroupsQuery {
  search?: string;
  after?: TeamCursor;
  limit: number;
}

export interface PageQuery {
  after?: TeamCursor;
  limit: number;
}

/**
 * Where a page ends: the sort values of its last row and its id, with the listing's sort and order, so
 * a cursor of another order (or another listing) is refused instead of silently skipping rows.
 */
export interface TeamCursor {
  /** The listing and its order, e.g. `members:name:asc`. */
  order: string;
  values: string[];
  id: string;
}

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidValue', detail);
}

function invalidCursor(): ScimError {
  return ScimError.badRequest('invalidCursor', 'The cursor is not one this listing issued');
}

export function encodeTeamCursor(cursor: TeamCursor): string {
  return Buffer.from(JSON.stringify({ o: cursor.order, v: cursor.values, i: cursor.id }), 'utf8').toString(
    'base64url',
  );
}

/** The cursor a token names, if it is one of `order`'s; anything else is a 400 invalidCursor (RFC 9865 §4). */
export function decodeTeamCursor(token: string, order: string): TeamCursor {
  if (token.length > CURSOR_MAX || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidCursor();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const { o, v, i } = (payload ?? {}) as { o?: unknown; v?: unknown; i?: unknown };
  if (
    o !== order ||
    !Array.isArray(v) ||
    v.length > 3 ||
    !v.every((value) => typeof value === 'string') ||
    !isUuid(i)
  ) {
    throw invalidCursor();
  }
  return { order, values: v as string[], id: i };
}

/** The query parameters, each given at most once as a string; unknown ones are refused. */
function fieldsOf(value: unknown, known: readonly string[]): Record<string, string> {
  const fields = (value ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw invalid(`unknown query parameter(s): ${unknown.join(', ')}`);
  for (const [key, field] of Object.entries(fields)) {
    if (typeof field !== 'string') throw invalid(`${key} must be given once`);
  }
  return fields as Record<string, string>;
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return TEAM_PAGE_DEFAULT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > TEAM_PAGE_MAX) {
    throw invalid(`limit must be an integer from 1 to ${TEAM_PAGE_MAX}`);
  }
  return limit;
}

function searchOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const search = value.trim().toLowerCase();
  if (search.length > SEARCH_MAX) throw invalid(`search must be at most ${SEARCH_MAX} characters`);
  return search || undefined;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw invalid(`${name} must be one of ${allowed.join(', ')}`);
  return match;
}

/** The order key of a members listing, which its cursors carry. */
export function membersOrder(query: Pick<MembersQuery, 'sort' | 'order'>): string {
  return `members:${query.sort}:${query.order}`;
}

export const GROUPS_ORDER = 'groups:name:asc';
export const GROUP_MEMBERS_ORDER = 'group-members:id:asc';

export function parseMembersQuery(value: unknown): MembersQuery {
  const fields = fieldsOf(value, ['search', 'role', 'status', 'group', 'sort', 'order', 'after', 'limit']);
  const query: MembersQuery = {
    sort: fields.sort === undefined ? 'name' : oneOf('sort', fields.sort, MEMBER_SORTS),
    order: fields.order === undefined ? 'asc' : oneOf('order', fields.order, ['asc', 'desc'] as const),
    limit: limitOf(fields.limit),
  };
  const search = searchOf(fields.search);
  if (search !== undefined) query.search = search;
  if (fields.role !== undefined) {
    const role = parseTeamRole(fields.role);
    if (!role) throw invalid('role must be one of Admin, Editor, Viewer');
    query.role = role;
  }
  if (fields.status !== undefined) {
    query.active = oneOf('status', fields.status, ['active', 'deactivated'] as const) === 'active';
  }
  if (fields.group !== undefined) {
    if (!isUuid(fields.group)) throw invalid('group must be a group id');
    query.group = fields.group.toLowerCase();
  }
  if (fields.after !== undefined) {
    const cursor = decodeTeamCursor(fields.after, membersOrder(query));
    if (cursor.values.length !== (query.sort === 'role' ? 2 : 1)) throw invalidCursor();
    query.after = cursor;
  }
  return query;
}

export function parseGroupsQuery(value: unknown): GroupsQuery {
  const fields = fieldsOf(value, ['search', 'after', 'limit']);
  const query: GroupsQuery = { limit: limitOf(fields.limit) };
  const search = searchOf(fields.search);
  if (search !== undefined) query.search = search;
  if (fields.after !== undefined) {
    const cursor = decodeTeamCursor(fields.after, GROUPS_ORDER);
    if (cursor.values.length !== 1) throw invalidCursor();
    query.after = cursor;
  }
  return query;
}

export function parsePageQuery(value: unknown, order: string): PageQuery {
  const fields = fieldsOf(value, ['after', 'limit']);
  const query: PageQuery = { limit: limitOf(fields.limit) };
  if (fields.after !== undefined) query.after = decodeTeamCursor(fields.after, order);
  return query;
}

/** `%`, `_` and `\` of a search taken literally in a LIKE pattern. */
export function likeSubstring(search: string): string {
  return `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
