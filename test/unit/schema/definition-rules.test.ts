import { attribute } from '../../../src/domain/schema/define.js';
import { coreUserSchema } from '../../../src/domain/schema/core-user.schema.js';
import { coreGroupSchema } from '../../../src/domain/schema/core-group.schema.js';
import {
  createSchemaRegistry,
  groupResourceType,
  userResourceType,
} from '../../../src/domain/schema/registry.js';
import type { AttributeDefinition } from '../../../src/domain/schema/types.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import { scimErrorOf } from '../patch/helpers.js';
import { registry } from '../registry.js';

/**
 * Enforced canonical values and defaults are properties of the attribute definition, read by the
 * validator; no attribute name is special-cased in it (it used to key them by `<URN>:<path>`).
 */
const withAttributes = (...attributes: AttributeDefinition[]) =>
  createSchemaRegistry(
    [
      {
        ...coreUserSchema,
        attributes: [...coreUserSchema.attributes.filter((a) => a.name !== 'active'), ...attributes],
      },
      coreGroupSchema,
    ],
    [{ ...userResourceType, schemaExtensions: [] }, groupResourceType],
  );

describe('attribute definitions carry enforced canonical values and defaults', () => {
  const other = withAttributes(
    attribute('shift', 'string', 'Enforced.', {
      canonicalValues: ['Early', 'Late'],
      enforceCanonicalValues: true,
    }),
    attribute('active', 'boolean', 'No default here.'),
    attribute('onCall', 'boolean', 'Defaults to false.', { defaultValue: false }),
  );
  const create = (body: Record<string, unknown>) =>
    validateResource(other, 'User', { schemas: [USER_SCHEMA], userName: 'b', ...body }, 'create').resource;

  it('enforces the canonical values the definition says, in canonical case', () => {
    expect(create({ shift: 'late' }).shift).toBe('Late');
    expect(scimErrorOf(() => create({ shift: 'night' }))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
    });
  });

  it('applies the default the definition has, and none where it has none', () => {
    expect(create({})).toEqual({ schemas: [USER_SCHEMA], userName: 'b', onCall: false });
  });

  it('keeps the current value on a PUT that omits an attribute with a default (RFC 7644 §3.5.1)', () => {
    const existing = { schemas: [USER_SCHEMA], userName: 'b', onCall: true };
    expect(validateResource(other, 'User', { userName: 'b' }, 'replace', existing).resource.onCall).toBe(
      true,
    );
  });

  it('this server: active defaults to true, userType is enforced and has no stored default', () => {
    const user = registry.getSchema(USER_SCHEMA)!;
    const byName = (name: string) => user.attributes.find((a) => a.name === name)!;
    expect(byName('active').defaultValue).toBe(true);
    expect(byName('userType')).toMatchObject({ enforceCanonicalValues: true, unassignedMeans: 'Viewer' });
    expect(byName('userType').defaultValue).toBeUndefined();
  });
});
