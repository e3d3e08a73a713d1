import { attribute, complex } from '../../../src/domain/schema/define.js';
import { coreGroupSchema } from '../../../src/domain/schema/core-group.schema.js';
import { coreUserSchema } from '../../../src/domain/schema/core-user.schema.js';
import { applyPatch, parsePatchRequest } from '../../../src/domain/patch/engine.js';
import {
  createSchemaRegistry,
  groupResourceType,
  userResourceType,
} from '../../../src/domain/schema/registry.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import { registry } from '../registry.js';
import { USER_ID, body, expectScimError } from './helpers.js';

/**
 * The PATCH engine resolves every path against the registry it is given (STYLE §2), not a module-level
 * one: the same request answers differently against a registry with another attribute.
 */
const DEVICES = 'urn:example:params:scim:schemas:extension:devices:2.0:User';
const other = createSchemaRegistry(
  [
    coreUserSchema,
    coreGroupSchema,
    {
      id: DEVICES,
      name: 'Devices',
      description: 'A test extension',
      attributes: [
        attribute('badgeNumber', 'string', 'A badge.'),
        attribute('remote', 'boolean', 'Works remotely.'),
        complex('laptop', 'The laptop.', [attribute('value', 'string', 'Its asset tag.')]),
      ],
    },
  ],
  [{ ...userResourceType, schemaExtensions: [{ schema: DEVICES, required: false }] }, groupResourceType],
);

const stored = (reg: typeof registry) =>
  validateResource(reg, 'User', { schemas: [USER_SCHEMA], userName: 'bjensen' }, 'create').resource;

describe('applyPatch against another schema registry', () => {
  it('writes an attribute only that registry knows, with its dialect rules', () => {
    const ops = parsePatchRequest(
      body(
        { op: 'Add', path: `${DEVICES}:badgeNumber`, value: 'B-17' },
        { op: 'Replace', path: `${DEVICES}:remote`, value: 'True' },
        { op: 'Add', path: `${DEVICES}:laptop`, value: 'LT-4' },
      ),
    );
    const result = applyPatch(other, 'User', stored(other), ops, { id: USER_ID });
    expect(result.resource).toEqual({
      schemas: [USER_SCHEMA, DEVICES],
      userName: 'bjensen',
      active: true,
      [DEVICES]: { badgeNumber: 'B-17', remote: true, laptop: { value: 'LT-4' } },
    });
    expect(result.changedAttributes).toEqual([
      `${DEVICES}:badgeNumber`,
      `${DEVICES}:laptop`,
      `${DEVICES}:remote`,
    ]);
    expect(result.dialects).toEqual(['entra.managerString', 'entra.opNameCase', 'entra.stringBooleans']);
  });

  it('the same request is a 400 invalidPath against this server registry', () => {
    const ops = parsePatchRequest(body({ op: 'add', path: `${DEVICES}:badgeNumber`, value: 'B-17' }));
    expectScimError(
      () => applyPatch(registry, 'User', stored(registry), ops, { id: USER_ID }),
      'invalidPath',
    );
  });

  it('does not know the enterprise extension when the registry has none', () => {
    const ops = parsePatchRequest(
      body({
        op: 'add',
        path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
        value: 'Sales',
      }),
    );
    expectScimError(() => applyPatch(other, 'User', stored(other), ops, { id: USER_ID }), 'invalidPath');
  });
});
