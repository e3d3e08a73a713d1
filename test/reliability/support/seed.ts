import type { Cluster } from './cluster.js';
import { USER_SCHEMA } from './http.js';

/**
 * Adds `size` users to a group by SQL, in the stored form the server writes (as the benchmark seeds
 * them): a group large enough that its GET streams for a while and a client can hang up mid-way.
 */
export async function seedLargeGroup(
  cluster: Cluster,
  database: string,
  tenantId: string,
  groupId: string,
  size: number,
): Promise<void> {
  await cluster.sql(database, async (client) => {
    await client.query(
      `WITH created AS (
         INSERT INTO scim_user (tenant_id, id, user_name, external_id, active, display_name, given_name,
             family_name, primary_email, user_type, created_at, last_modified, version, data)
         SELECT $1::uuid, gen_random_uuid(), u.user_name, NULL, true, NULL, 'Large', 'Member' || n, u.user_name,
                'Viewer', now(), now(), 1,
                jsonb_build_object(
                  'schemas', jsonb_build_array($4::text),
                  'userName', u.user_name,
                  'name', jsonb_build_object('givenName', 'Large', 'familyName', 'Member' || n),
                  'emails', jsonb_build_array(jsonb_build_object('value', u.user_name, 'type', 'work', 'primary', true)),
                  'active', true,
                  'userType', 'Viewer')
           FROM generate_series(1, $3::int) AS n
           CROSS JOIN LATERAL (SELECT 'member' || n || '-' || $2::text || '@large.example' AS user_name) u
         RETURNING id)
       INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
       SELECT $1::uuid, $2::uuid, id, 'User' FROM created`,
      [tenantId, groupId, size, USER_SCHEMA],
    );
    await client.query('ANALYZE scim_user, scim_membership');
  });
}
