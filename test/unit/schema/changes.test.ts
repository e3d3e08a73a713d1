import { compareResources } from '../../../src/domain/schema/changes.js';
import { ENTERPRISE_USER_SCHEMA as ENTERPRISE, USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import { registry } from '../registry.js';

/** One change detection for POST, PUT and PATCH (it was written twice: the module's and the engine's). */
describe('compareResources', () => {
  const user = (extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName: 'b', ...extra });

  it('names every attribute of a create, extension attributes URN-qualified, sorted', () => {
    expect(
      compareResources(
        registry,
        'User',
        undefined,
        user({ active: true, [ENTERPRISE]: { department: 'S' } }),
      ),
    ).toEqual({ changed: true, changedAttributes: ['active', `${ENTERPRISE}:department`, 'userName'] });
  });

  it('ignores key order (jsonb hands the stored form back with its keys reordered)', () => {
    const before = { userName: 'b', name: { givenName: 'B', familyName: 'J' }, schemas: [USER_SCHEMA] };
    const after = user({ name: { familyName: 'J', givenName: 'B' } });
    expect(compareResources(registry, 'User', before, after)).toEqual({
      changed: false,
      changedAttributes: [],
    });
  });

  it('reads names case-insensitively and reports them in canonical case (RFC 7643 §2.1)', () => {
    // The PUT's algorithm compared keys as written, so a stored "username" against "userName" counted
    // as two changed attributes with equal values.
    expect(
      compareResources(registry, 'User', { username: 'b', TITLE: 'x' }, { userName: 'b', title: 'y' }),
    ).toEqual({ changed: true, changedAttributes: ['title'] });
  });

  it('names the attribute inside an extension that changed, not the extension', () => {
    const before = user({ [ENTERPRISE]: { department: 'S', costCenter: '1' } });
    const after = user({ [ENTERPRISE]: { department: 'T', costCenter: '1' } });
    expect(compareResources(registry, 'User', before, after).changedAttributes).toEqual([
      `${ENTERPRISE}:department`,
    ]);
  });
});
