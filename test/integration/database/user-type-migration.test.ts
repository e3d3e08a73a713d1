import { randomUUID } from 'node:crypto';
import { Migration20261201121546_UserTypeAsSent as UserTypeAsSent } from '../../../src/database/migrations/Migration20261201121546_UserTypeAsSent.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/** The SQL of one direction of the migration, as the migrator would run it. */
function statements(direction: 'up' | 'down'): string[] {
  const migration = new UserTypeAsSent(undefined as never, undefined as never);
  void migration[direction]();
  return migration.getQueries() as string[];
}

describe('migration UserTypeAsSent', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('keeps stored userTypes, allows none, and stores `active` in every user that lacked it', async () => {
    for (const sql of statements('down')) await db.client.query(sql);
    const tenant = randomUUID();
    await db.client.query(`INSERT INTO tenant (id, name) VALUES ($1, 'Before')`, [tenant]);
    const insert = (id: string, active: boolean, data: object, version: number) =>
      db.client.query(
        `INSERT INTO scim_user (tenant_id, id, user_name, active, created_at, last_modified, version, data)
         VALUES ($1, $2, $3, $4, now(), now(), $5, $6)`,
        [tenant, id, id, active, version, JSON.stringify(data)],
      );
    const [withoutActive, inactiveWithoutActive, withActive] = [randomUUID(), randomUUID(), randomUUID()];
    await insert(withoutActive, true, { userName: withoutActive, userType: 'Viewer' }, 1);
    await insert(inactiveWithoutActive, false, { userName: inactiveWithoutActive }, 5);
    await insert(withActive, false, { userName: withActive, active: false }, 2);

    for (const sql of statements('up')) await db.client.query(sql);

    const { rows } = await db.client.query<{
      id: string;
      user_type: string | null;
      active: unknown;
      version: number;
    }>(`SELECT id, user_type, data->'active' AS active, version FROM scim_user WHERE tenant_id = $1`, [
      tenant,
    ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(withoutActive)).toMatchObject({ user_type: 'Viewer', active: true, version: 2 });
    expect(byId.get(inactiveWithoutActive)).toMatchObject({ active: false, version: 6 });
    expect(byId.get(withActive)).toMatchObject({ active: false, version: 2 });
    const none = randomUUID();
    await insert(none, true, { userName: none, active: true }, 1);
    const { rows: inserted } = await db.client.query(`SELECT user_type FROM scim_user WHERE id = $1`, [none]);
    expect(inserted).toEqual([{ user_type: null }]);
  });
});
