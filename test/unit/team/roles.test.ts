import { parseTeamRole, teamRoleOf } from '../../../src/domain/team/roles.js';

describe('team roles: userType matched case-insensitively, absent or unknown is Viewer', () => {
  it.each([
    ['Admin', 'Admin'],
    ['admin', 'Admin'],
    ['ADMIN', 'Admin'],
    ['Editor', 'Editor'],
    ['eDiToR', 'Editor'],
    ['Viewer', 'Viewer'],
    ['viewer', 'Viewer'],
    ['Owner', 'Viewer'],
    [' Admin', 'Viewer'],
    ['', 'Viewer'],
    [null, 'Viewer'],
    [undefined, 'Viewer'],
    [42, 'Viewer'],
  ])('userType %j is the role %s', (userType, role) => {
    expect(teamRoleOf(userType)).toBe(role);
  });

  it('parses a role of a query case-insensitively, and nothing else', () => {
    expect(parseTeamRole('editor')).toBe('Editor');
    expect(parseTeamRole('Owner')).toBeUndefined();
  });
});
