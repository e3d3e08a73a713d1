import cliProgress from 'cli-progress';
import pg from 'pg';
import {
  GROUP_SCHEMA,
  SEED_EPOCH_MS,
  SPARE_USERS,
  USER_SCHEMA,
  UUID_FROM_H,
  groupId,
  groupName,
} from './dataset.mjs';

const CHUNK = 10_000;

/**
 * Seeds the tenant by SQL, in the stored form the server writes (docs/storage-model.md): `users` users plus
 * SPARE_USERS users in no group, one group per size whose members are users 1..size, then VACUUM ANALYZE.
 * Rows are inserted by INSERT … SELECT generate_series in chunks of 10,000 (for the progress bar).
 * Returns the timings in milliseconds.
 */
export async function seed(databaseUrl, tenantId, { users, groupSizes }) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const totalUsers = users + SPARE_USERS;
  const totalMembers = groupSizes.reduce((sum, size) => sum + size, 0);
  const bar = new cliProgress.SingleBar(
    { format: '  seeding [{bar}] {percentage}% | {value}/{total} rows | {step}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const timings = {};
  try {
    bar.start(totalUsers + groupSizes.length + totalMembers, 0, { step: 'users' });
    let started = performance.now();
    for (let from = 1; from <= totalUsers; from += CHUNK) {
      const to = Math.min(totalUsers, from + CHUNK - 1);
      await client.query(insertUsersSql, [tenantId, from, to]);
      bar.increment(to - from + 1, { step: 'users' });
    }
    timings.users = performance.now() - started;

    started = performance.now();
    for (const [index, size] of groupSizes.entries()) {
      const at = new Date(SEED_EPOCH_MS + totalUsers + index + 1);
      const data = { schemas: [GROUP_SCHEMA], displayName: groupName(size) };
      await client.query(insertGroupSql, [
        tenantId,
        groupId(size),
        groupName(size),
        at,
        JSON.stringify(data),
      ]);
      bar.increment(1, { step: 'groups' });
    }
    for (const size of groupSizes) {
      for (let from = 1; from <= size; from += CHUNK) {
        const to = Math.min(size, from + CHUNK - 1);
        await client.query(insertMembersSql, [tenantId, groupId(size), from, to]);
        bar.increment(to - from + 1, { step: `members of ${groupName(size)}` });
      }
    }
    timings.groups = performance.now() - started;

    bar.update({ step: 'VACUUM ANALYZE' });
    started = performance.now();
    await client.query('VACUUM (ANALYZE) scim_user, scim_group, scim_membership');
    timings.analyze = performance.now() - started;
    bar.stop();
  } catch (error) {
    bar.stop();
    throw error;
  } finally {
    await client.end();
  }
  timings.total = timings.users + timings.groups + timings.analyze;
  return { ...timings, rows: totalUsers + groupSizes.length + totalMembers };
}

// User n: `user<n>@bench.example`, created SEED_EPOCH + n ms (millisecond precision, distinct per row, so
// the default order created_at, id is deterministic), data as the server stores a created user.
const insertUsersSql = `
  INSERT INTO scim_user AS r (tenant_id, id, user_name, external_id, active, display_name, given_name,
      family_name, primary_email, user_type, created_at, last_modified, version, data)
  SELECT $1::uuid, ${UUID_FROM_H}, u.user_name, NULL, true, NULL, 'Bench', 'User' || n, u.user_name, 'Viewer',
         t.at, t.at, 1,
         jsonb_build_object(
           'schemas', jsonb_build_array('${USER_SCHEMA}'),
           'userName', u.user_name,
           'name', jsonb_build_object('givenName', 'Bench', 'familyName', 'User' || n),
           'emails', jsonb_build_array(jsonb_build_object('value', u.user_name, 'type', 'work', 'primary', true)),
           'active', true,
           'userType', 'Viewer')
    FROM generate_series($2::int, $3::int) AS n
    CROSS JOIN LATERAL (SELECT md5('bench-user-' || n) AS h, 'user' || n || '@bench.example' AS user_name) u
    CROSS JOIN LATERAL (SELECT date_trunc('milliseconds',
        to_timestamp(${SEED_EPOCH_MS / 1000}) + n * interval '1 millisecond') AS at) t`;

/** Group $2 of tenant $1, named $3, created at $4, its data $5; nothing when it is there already. */
export const insertGroupSql = `
  INSERT INTO scim_group (tenant_id, id, display_name, external_id, created_at, last_modified, version, data)
  VALUES ($1, $2, $3, NULL, $4, $4, 1, $5::jsonb) ON CONFLICT DO NOTHING`;

/** Members users $3..$4 of group $2 (of tenant $1), by the seeded ids. */
export const insertMembersSql = `
  INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
  SELECT $1::uuid, $2::uuid, ${UUID_FROM_H}, 'User'
    FROM generate_series($3::int, $4::int) AS n
    CROSS JOIN LATERAL (SELECT md5('bench-user-' || n) AS h) u`;
