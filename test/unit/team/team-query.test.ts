import { ScimError } from '../../../src/domain/errors.js';
import {
  decodeTeamCursor,
  encodeTeamCursor,
  GROUPS_ORDER,
  likeSubstring,
  membersOrder,
  parseGroupsQuery,
  parseMembersQuery,
  parsePageQuery,
  GROUP_MEMBERS_ORDER,
} from '../../../src/domain/team/team-query.js';

const ID = '2819c223-7f76-453a-919d-413861904646';

function scimError(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('no error thrown');
}

describe('the team API queries', () => {
  it('defaults: by name, ascending, 50 a page', () => {
    expect(parseMembersQuery({})).toEqual({ sort: 'name', order: 'asc', limit: 50 });
    expect(parseMembersQuery(undefined)).toEqual({ sort: 'name', order: 'asc', limit: 50 });
  });

  it('reads every filter; role case-insensitively, search trimmed and lowercased, group id lowercased', () => {
    expect(
      parseMembersQuery({
        search: '  Ada ',
        role: 'admin',
        status: 'deactivated',
        group: ID.toUpperCase(),
        sort: 'role',
        order: 'desc',
        limit: '200',
      }),
    ).toEqual({
      search: 'ada',
      role: 'Admin',
      active: false,
      group: ID,
      sort: 'role',
      order: 'desc',
      limit: 200,
    });
    expect(parseMembersQuery({ search: '   ' }).search).toBeUndefined();
    expect(parseMembersQuery({ status: 'active' }).active).toBe(true);
  });

  it.each([
    [{ role: 'Owner' }, 'invalidValue'],
    [{ status: 'suspended' }, 'invalidValue'],
    [{ sort: 'createdAt' }, 'invalidValue'],
    [{ order: 'ascending' }, 'invalidValue'],
    [{ limit: '0' }, 'invalidValue'],
    [{ limit: '201' }, 'invalidValue'],
    [{ limit: '1.5' }, 'invalidValue'],
    [{ limit: '-1' }, 'invalidValue'],
    [{ group: 'engineering' }, 'invalidValue'],
    [{ search: ['a', 'b'] }, 'invalidValue'],
    [{ search: 'x'.repeat(201) }, 'invalidValue'],
    [{ page: '2' }, 'invalidValue'],
    [{ after: 'not a cursor' }, 'invalidCursor'],
    [{ after: 'x'.repeat(600) }, 'invalidCursor'],
  ])('%j is a SCIM 400 %s', (query, scimType) => {
    const error = scimError(() => parseMembersQuery(query));
    expect([error.status, error.scimType]).toEqual([400, scimType]);
  });

  it('round-trips a cursor bound to its listing and order, and refuses it elsewhere', () => {
    const query = parseMembersQuery({ sort: 'role' });
    const cursor = encodeTeamCursor({ order: membersOrder(query), values: ['Admin', 'ada'], id: ID });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parseMembersQuery({ sort: 'role', after: cursor }).after).toEqual({
      order: 'members:role:asc',
      values: ['Admin', 'ada'],
      id: ID,
    });
    for (const other of [{ sort: 'role', order: 'desc' }, { sort: 'name' }, {}]) {
      expect(scimError(() => parseMembersQuery({ ...other, after: cursor })).scimType).toBe('invalidCursor');
    }
    expect(scimError(() => parseGroupsQuery({ after: cursor })).scimType).toBe('invalidCursor');
    expect(scimError(() => parsePageQuery({ after: cursor }, GROUP_MEMBERS_ORDER)).scimType).toBe(
      'invalidCursor',
    );
  });

  it('refuses a cursor with the wrong number of values for its order, or a bad id', () => {
    const wrongCount = encodeTeamCursor({ order: 'members:name:asc', values: ['a', 'b'], id: ID });
    expect(scimError(() => parseMembersQuery({ after: wrongCount })).scimType).toBe('invalidCursor');
    const badId = encodeTeamCursor({ order: GROUPS_ORDER, values: ['a'], id: 'x' });
    expect(() => decodeTeamCursor(badId, GROUPS_ORDER)).toThrow(/not one this listing issued/);
  });

  it('takes % _ and \\ of a search literally in the LIKE pattern', () => {
    expect(likeSubstring('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});
