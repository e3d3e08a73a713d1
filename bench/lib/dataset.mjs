import { createHash } from 'node:crypto';

/**
 * The seeded data set is deterministic: user n is `user<n>@bench.example` with an id derived from n, so the
 * load generator can pick a random existing user without fetching 100k ids, and every run seeds the same rows.
 */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Users that belong to no group: the PATCH workloads add them to a group and remove them again. */
export const SPARE_USERS = 1000;

/** Seeded rows are created one millisecond apart from this instant, in the past of any run. */
export const SEED_EPOCH_MS = Date.UTC(2020, 0, 1);

export function userName(n) {
  return `user${n}@bench.example`;
}

/** Spare user s (1-based) is user `users + s`. */
export function spareUserNumber(users, s) {
  return users + s;
}

/** A version-4-shaped UUID from the MD5 of `key`; `uuidSql` computes the same in PostgreSQL. */
export function uuidOf(key) {
  const h = createHash('md5').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** SQL for uuidOf(<text expression>), given `h` = md5 of that expression in scope. */
export const UUID_FROM_H = `(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12))::uuid`;

export function userId(n) {
  return uuidOf(`bench-user-${n}`);
}

export function groupId(size) {
  return uuidOf(`bench-group-${size}`);
}

/**
 * The groups of `patch-10-lanes` (`--outbox` only): LANE_GROUPS groups of 10 members, one per connection
 * of the workload, created by the outbox comparison (not by the seed: the other workloads' data is kept).
 */
export const LANE_GROUPS = 4;

export function laneGroupId(lane) {
  return uuidOf(`bench-lane-group-${lane}`);
}

export function groupName(size) {
  return `bench-${size}`;
}

/** created_at of user n (1-based), as the keyset cursor carries it. */
export function userCreatedAt(n) {
  return new Date(SEED_EPOCH_MS + n).toISOString();
}

/** The server's keyset cursor (base64url of {"k": sort value, "i": id}) positioned after user n. */
export function cursorAfterUser(n) {
  return Buffer.from(JSON.stringify({ k: userCreatedAt(n), i: userId(n) }), 'utf8').toString('base64url');
}

/** Group sizes and user count of a full and a quick run. */
export function datasetFor(quick) {
  return quick
    ? { users: 10_000, groupSizes: [10, 1_000, 10_000] }
    : { users: 100_000, groupSizes: [10, 10_000, 100_000] };
}

export function sizeLabel(size) {
  return size >= 1000 ? `${size / 1000}k` : String(size);
}
