import { ScimError } from '../../src/domain/errors.js';

describe('ScimError (RFC 7644 §3.12)', () => {
  it('serialises status as a string with scimType and detail', () => {
    expect(new ScimError(400, 'bad', 'invalidFilter').toJSON()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad',
    });
  });

  it('omits scimType when there is none', () => {
    expect(ScimError.notFound('gone').toJSON()).not.toHaveProperty('scimType');
  });
});
