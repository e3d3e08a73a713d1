// The one-statement floor ("floor-1"): a bare Fastify + pg server answering the benchmarked request shapes
// with the bytes of the SCIM server (as the floor in server.mjs does) but ONE SQL statement per request
// and the API key checked from memory. It is what a request costs at the physical floor of this design:
// one round trip to PostgreSQL, the HTTP and the JSON. The gap between it and server.mjs (the same
// statements as the SCIM server) is what the server's statement design costs; the gap between it and the
// SCIM server is everything.
//
// - The API key: its row is read once per key id and kept in a Map (no revocation, no expiry refresh:
//   the bench never revokes); every request still hashes the token and compares it in constant time.
// - A list page (filter, index or cursor paging): one statement returns the page's rows, each user's
//   `groups` (json_agg over scim_membership ⋈ scim_group, ordered by display_name, id) and, for index
//   paging only, totalResults (a scalar count subquery). A cursor page carries no totalResults (RFC 9865
//   lets it leave it out) and runs no count. An index page past the first selects the page's ids through
//   the index with OFFSET, then fetches those rows (late row lookup).
// - GET /Users/{id}: the row and its groups. GET /Groups: the count and the page.
// - POST /Users: one statement of data-modifying CTEs: the tenant row locked FOR KEY SHARE, the user
//   inserted, its audit_event row inserted, the user returned.
// - PATCH /Groups/{id} (add or remove members): one statement: the tenant row (FOR KEY SHARE), the group
//   row (FOR NO KEY UPDATE), the added members (FOR KEY SHARE), the membership rows inserted or deleted,
//   the group's version and lastModified bumped and an audit row written when a row changed, the group row
//   returned. Autocommit: no BEGIN / COMMIT round trips.
// - GET /Groups/{id} with its members: as server.mjs, through a cursor in a read-only transaction (this
//   workload has no target against this floor; it is kept comparable with the other floor).
//
// env: PORT, HOST (127.0.0.1), DATABASE_URL, POOL_MAX (20, as the server's pool)
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SCIM_JSON = 'application/scim+json';
const COLUMNS = 'r.id, r.data, r.created_at, r.last_modified, r.version';
const PAGE_COLUMNS = 'p.id, p.data, p.created_at, p.last_modified, p.version';
const TOKEN =
  /^Bearer\s+(scim_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_[A-Za-z0-9_-]{43})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user's groups as one JSON array (NULL when none), correlated on the user row `owner`. */
const groupsOf = (owner) =>
  `(SELECT json_agg(json_build_object('value', g.id, 'display', g.display_name) ORDER BY g.display_name, g.id)
      FROM scim_membership m
      JOIN scim_group g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
     WHERE m.tenant_id = $1 AND m.member_id = ${owner}.id)`;

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_MAX ?? 20),
});
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.addContentTypeParser(SCIM_JSON, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));

class HttpError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

app.setErrorHandler((error, _request, reply) => {
  const status = error.status ?? error.statusCode ?? 500;
  if (status >= 500) console.error(error);
  void reply
    .status(status)
    .type(SCIM_JSON)
    .send({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(status),
      detail: error.message,
    });
});

/** Key id → its row, read once (a failed or empty read is forgotten, so it is retried). */
const keys = new Map();

function keyRow(id) {
  let row = keys.get(id);
  if (row === undefined) {
    row = pool
      .query('SELECT id, tenant_id, token_hash, revoked_at, expires_at FROM api_key WHERE id = $1', [id])
      .then(({ rows }) => {
        if (rows[0]) keys.set(id, rows[0]);
        else keys.delete(id);
        return rows[0];
      });
    keys.set(id, row);
    row.catch(() => keys.delete(id));
  }
  return row;
}

// Bearer check from memory: the cached key row, then a constant-time hash comparison.
app.addHook('onRequest', async (request) => {
  if (!request.url.startsWith('/scim/v2/')) return;
  const match = TOKEN.exec(request.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'Authorization: Bearer <API key> is required');
  const cached = keys.get(match[2]);
  const key = cached !== undefined && !(cached instanceof Promise) ? cached : await keyRow(match[2]);
  const presented = createHash('sha256').update(match[1]).digest();
  if (!key || !timingSafeEqual(presented, Buffer.from(key.token_hash, 'hex')) || key.revoked_at) {
    throw new HttpError(401, 'Invalid API key');
  }
  if (key.expires_at && key.expires_at.getTime() <= Date.now())
    throw new HttpError(401, 'API key has expired');
  request.tenantId = key.tenant_id;
  request.apiKeyId = match[2];
});

function baseUrl(request) {
  return `${request.protocol}://${request.host}/scim/v2`;
}

function resource(type, row, base, relatedLists) {
  const { schemas, ...attributes } = row.data;
  // An empty multi-valued attribute is unassigned (RFC 7643 §2.5) and left out, as the server does.
  const related = Object.fromEntries(Object.entries(relatedLists).filter(([, list]) => list.length > 0));
  return {
    schemas,
    id: row.id,
    ...attributes,
    ...related,
    meta: {
      resourceType: type,
      created: row.created_at.toISOString(),
      lastModified: row.last_modified.toISOString(),
      location: `${base}/${type}s/${row.id}`,
      version: `W/"${row.version}"`,
    },
  };
}

/** The `groups` column of a row (json_agg's array, or NULL) as User.groups. */
function groupRefs(groups, base) {
  if (!groups) return [];
  return groups.map((group) => ({
    value: group.value,
    $ref: `${base}/Groups/${group.value}`,
    display: group.display,
    type: 'direct',
  }));
}

const MEMBERS_SQL = `SELECT m.group_id, m.member_id AS value, m.member_type AS type,
        coalesce(u.display_name, u.user_name, g.display_name) AS display
   FROM scim_membership m
   LEFT JOIN scim_user u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
   LEFT JOIN scim_group g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
  WHERE m.tenant_id = $1 AND m.group_id = ANY($2::uuid[])
  ORDER BY m.group_id, m.member_id`;

/** A group's members, as server.mjs reads them (its own connection, read-only, a cursor). */
async function membersOf(tenantId, groupId, base) {
  const client = await pool.connect();
  const members = [];
  let failure;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`DECLARE streamed NO SCROLL CURSOR FOR ${MEMBERS_SQL}`, [tenantId, [groupId]]);
    for (;;) {
      const { rows } = await client.query('FETCH 2000 FROM streamed');
      if (rows.length === 0) break;
      for (const row of rows) {
        members.push({
          value: row.value,
          $ref: `${base}/${row.type}s/${row.value}`,
          ...(row.display ? { display: row.display } : {}),
          type: row.type,
        });
      }
    }
    await client.query('ROLLBACK');
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    client.release(failure);
  }
  return members;
}

function cursorOf(row) {
  return Buffer.from(JSON.stringify({ k: row.created_at.toISOString(), i: row.id }), 'utf8').toString(
    'base64url',
  );
}

function decodeCursor(token) {
  try {
    const { k, i } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof k === 'string' && UUID.test(i)) return { k, i };
  } catch {
    // fall through
  }
  throw new HttpError(400, 'The cursor is not one this server issued');
}

/**
 * A page of a resource table in the server's default order (created_at, id), in one statement: the rows,
 * with `withGroups` each user's groups, and on index pages the total count.
 */
async function listPage(request, table, extraWhere, extraValues, withGroups) {
  const query = request.query;
  const values = [request.tenantId, ...extraValues];
  const where = [`r.tenant_id = $1`, ...extraWhere];
  const count = Math.min(1000, Math.max(0, Number(query.count ?? 100)));
  const startIndex = Math.max(1, Number(query.startIndex ?? 1));
  const cursor = query.cursor;
  const filter = where.join(' AND ');
  const groups = withGroups ? `, ${groupsOf('p')} AS groups` : '';
  const order = 'ORDER BY r.created_at ASC, r.id ASC';
  let sql;
  if (cursor !== undefined) {
    // Cursor paging (keyset): no count.
    if (cursor) {
      const position = decodeCursor(cursor);
      values.push(position.k, position.i);
      where.push(`(r.created_at, r.id) > ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(count + 1);
    sql =
      `WITH page AS (SELECT ${COLUMNS} FROM ${table} r WHERE ${where.join(' AND ')} ${order} ` +
      `LIMIT $${values.length}) ` +
      `SELECT ${PAGE_COLUMNS}${groups} FROM page p ORDER BY p.created_at, p.id`;
  } else {
    values.push(count, startIndex - 1);
    const limit = `LIMIT $${values.length - 1} OFFSET $${values.length}`;
    // Past the first page, the ids come through the index first and only the page's rows are read.
    const page =
      startIndex > 1
        ? `ids AS (SELECT r.id FROM ${table} r WHERE ${filter} ${order} ${limit}), ` +
          `page AS (SELECT ${COLUMNS} FROM ids JOIN ${table} r ON r.tenant_id = $1 AND r.id = ids.id)`
        : `page AS (SELECT ${COLUMNS} FROM ${table} r WHERE ${filter} ${order} ${limit})`;
    sql =
      `WITH ${page} ` +
      `SELECT (SELECT count(*)::int FROM ${table} r WHERE ${filter}) AS total, ${PAGE_COLUMNS}${groups} ` +
      `FROM (SELECT 1) AS one LEFT JOIN page p ON true ORDER BY p.created_at, p.id`;
  }
  const { rows } = await pool.query(sql, values);
  if (cursor !== undefined) {
    const hasMore = rows.length > count;
    const pageRows = hasMore ? rows.slice(0, count) : rows;
    return {
      rows: pageRows,
      startIndex: 1,
      nextCursor: hasMore ? cursorOf(pageRows[pageRows.length - 1]) : undefined,
    };
  }
  // With no row on the page, the one row left-joined to nothing carries the count alone.
  return { rows: rows.filter((row) => row.id !== null), totalResults: rows[0].total, startIndex };
}

function listResponse(page, resources) {
  return {
    schemas: [LIST_SCHEMA],
    ...(page.totalResults !== undefined ? { totalResults: page.totalResults } : {}),
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    Resources: resources,
  };
}

app.get('/scim/v2/Users', async (request, reply) => {
  const filter = request.query.filter;
  let page;
  if (filter) {
    // Only the benchmarked filter shape: userName eq "<value>".
    const match = /^userName eq "(.*)"$/.exec(filter);
    if (!match) throw new HttpError(400, 'unsupported filter');
    // The same predicate as our server's filter compiler: the generated lowercase copy and its index.
    page = await listPage(request, 'scim_user', ['(r.user_name_lower = lower($2))'], [match[1]], true);
  } else {
    page = await listPage(request, 'scim_user', [], [], true);
  }
  const base = baseUrl(request);
  reply.type(SCIM_JSON);
  return listResponse(
    page,
    page.rows.map((row) => resource('User', row, base, { groups: groupRefs(row.groups, base) })),
  );
});

app.get('/scim/v2/Users/:id', async (request, reply) => {
  const { id } = request.params;
  if (!UUID.test(id)) throw new HttpError(404, `User ${id} not found`);
  const { rows } = await pool.query(
    `SELECT ${COLUMNS}, ${groupsOf('r')} AS groups FROM scim_user r WHERE r.tenant_id = $1 AND r.id = $2`,
    [request.tenantId, id],
  );
  if (!rows[0]) throw new HttpError(404, `User ${id} not found`);
  const base = baseUrl(request);
  const body = resource('User', rows[0], base, { groups: groupRefs(rows[0].groups, base) });
  reply.type(SCIM_JSON).header('ETag', body.meta.version);
  return body;
});

// The tenant row locked FOR KEY SHARE, as the first statement of every write of the server; here a CTE
// that the statement's other parts join, so that nothing is written when the tenant is gone.
const TENANT_CTE = 'tenant_row AS (SELECT id FROM tenant WHERE id = $1 FOR KEY SHARE)';

// The audit row, as server.mjs writes it ($1 tenant, then api key id, request id, operation, type, id,
// attributes); `source` is the CTE whose row it records.
const auditCte = (name, source, at, operation, type, resourceId, attributes) =>
  `${name} AS (INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
     SELECT $1, $${at}::uuid, $${at + 1}::text, '${operation}', '${type}', ${resourceId}, ${attributes} FROM ${source})`;

app.post('/scim/v2/Users', async (request, reply) => {
  const body = request.body;
  if (!body || typeof body.userName !== 'string') throw new HttpError(400, 'userName is required');
  const { password: _password, ...stored } = body;
  // As the server stores it: `active` always present (a provisioned user is active until told not to
  // be), `userType` only when sent.
  if (stored.active === undefined) stored.active = true;
  const emails = Array.isArray(stored.emails) ? stored.emails : [];
  const primary = emails.find((email) => email.primary === true) ?? emails[0];
  const text = (value) => (typeof value === 'string' ? value : null);
  const id = randomUUID();
  const now = new Date();
  let row;
  try {
    const { rows } = await pool.query(
      `WITH ${TENANT_CTE},
       inserted AS (
         INSERT INTO scim_user AS r (tenant_id, id, user_name, external_id, active, display_name, given_name,
             family_name, primary_email, user_type, created_at, last_modified, version, data)
         SELECT t.id, $2::uuid, $3::text, $4::text, $5::boolean, $6::text, $7::text, $8::text, $9::text, $10::text,
                $11::timestamptz, $11::timestamptz, 1, $12::jsonb
           FROM tenant_row t
         RETURNING ${COLUMNS}
       ),
       ${auditCte('audited', 'inserted r', 13, 'create', 'User', 'r.id::text', '$15::text[]')}
       SELECT * FROM inserted`,
      [
        request.tenantId,
        id,
        stored.userName,
        text(stored.externalId),
        stored.active !== false,
        text(stored.displayName),
        text(stored.name?.givenName),
        text(stored.name?.familyName),
        text(primary?.value),
        text(stored.userType),
        now,
        JSON.stringify(stored),
        request.apiKeyId,
        request.id,
        Object.keys(stored),
      ],
    );
    row = rows[0];
  } catch (error) {
    if (error.code === '23505')
      throw new HttpError(409, `A user with userName "${stored.userName}" already exists`);
    throw error;
  }
  if (!row) throw new HttpError(401, 'Invalid API key: its tenant no longer exists');
  const created = resource('User', row, baseUrl(request), { groups: [] });
  reply
    .status(201)
    .type(SCIM_JSON)
    .header('ETag', created.meta.version)
    .header('Location', created.meta.location);
  return created;
});

app.get('/scim/v2/Groups', async (request, reply) => {
  if (request.query.excludedAttributes !== 'members')
    throw new HttpError(400, 'only excludedAttributes=members');
  const page = await listPage(request, 'scim_group', [], [], false);
  const base = baseUrl(request);
  reply.type(SCIM_JSON);
  return listResponse(
    page,
    page.rows.map((row) => resource('Group', row, base, {})),
  );
});

app.get('/scim/v2/Groups/:id', async (request, reply) => {
  const { id } = request.params;
  if (!UUID.test(id)) throw new HttpError(404, `Group ${id} not found`);
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM scim_group r WHERE r.tenant_id = $1 AND r.id = $2`,
    [request.tenantId, id],
  );
  if (!rows[0]) throw new HttpError(404, `Group ${id} not found`);
  const base = baseUrl(request);
  // members after meta, where the server's streamed answer puts them.
  const members = await membersOf(request.tenantId, id, base);
  const body = { ...resource('Group', rows[0], base, {}), ...(members.length > 0 ? { members } : {}) };
  reply.type(SCIM_JSON).header('ETag', body.meta.version);
  return body;
});

// The statement of a PATCH, around the CTE `changed` (the membership rows inserted or deleted, RETURNING
// member_id) and the CTE `resolved` (the members found, for the answer): the group row locked after the
// tenant's (grp), the group touched when a row changed (touched, which also waits for grp), its audit row,
// and the group row for the answer: the touched one, or the locked one as it was. $1 tenant, $2 group,
// $3 member ids, $4 now, $5 api key id, $6 request id.
const patchSql = (changeCtes) => `WITH ${TENANT_CTE},
  grp AS (
    SELECT ${COLUMNS} FROM tenant_row t JOIN scim_group r ON r.tenant_id = t.id AND r.id = $2
       FOR NO KEY UPDATE OF r
  ),
  ${changeCtes},
  touched AS (
    UPDATE scim_group AS r SET version = r.version + 1, last_modified = $4::timestamptz
      FROM grp
     WHERE r.tenant_id = $1 AND r.id = grp.id AND EXISTS (SELECT 1 FROM changed)
    RETURNING ${COLUMNS}
  ),
  ${auditCte('audited', 'touched r', 5, 'patch', 'Group', 'r.id::text', `ARRAY['members']`)}
  SELECT r.id, r.data, r.created_at, r.last_modified, r.version, (SELECT count(*)::int FROM resolved) AS resolved
    FROM touched r
  UNION ALL
  SELECT r.id, r.data, r.created_at, r.last_modified, r.version, (SELECT count(*)::int FROM resolved)
    FROM grp r WHERE NOT EXISTS (SELECT 1 FROM touched)`;

// Add: the members locked in id order (FOR KEY SHARE, as the server does) once the group row is held.
const ADD_SQL = patchSql(`users AS (
    SELECT u.id FROM scim_user u
     WHERE u.tenant_id = $1 AND u.id = ANY($3::uuid[]) AND EXISTS (SELECT 1 FROM grp)
     ORDER BY u.id FOR KEY SHARE
  ),
  groups AS (
    SELECT g.id FROM scim_group g
     WHERE g.tenant_id = $1 AND g.id = ANY($3::uuid[]) AND EXISTS (SELECT 1 FROM grp)
     ORDER BY g.id FOR KEY SHARE
  ),
  resolved AS (SELECT id, 'User' AS type FROM users UNION ALL SELECT id, 'Group' AS type FROM groups),
  changed AS (
    INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
    SELECT $1, grp.id, resolved.id, resolved.type FROM grp, resolved
    ON CONFLICT DO NOTHING
    RETURNING member_id
  )`);

// Remove: the membership rows deleted (the members are not locked, as the server does not lock them).
const REMOVE_SQL = patchSql(`resolved AS (SELECT unnest($3::uuid[]) AS id),
  changed AS (
    DELETE FROM scim_membership m USING grp
     WHERE m.tenant_id = $1 AND m.group_id = grp.id AND m.member_id = ANY($3::uuid[])
    RETURNING m.member_id
  )`);

// PATCH members: only the benchmarked shapes, add {path: members, value: [{value}]} and
// remove {path: members[value eq "<id>"]}.
app.patch('/scim/v2/Groups/:id', async (request, reply) => {
  const { id } = request.params;
  if (!UUID.test(id)) throw new HttpError(404, `Group ${id} not found`);
  const operation = request.body?.Operations?.[0];
  const removeMatch = /^members\[value eq "([^"]+)"\]$/.exec(operation?.path ?? '');
  let sql;
  let ids;
  if (operation?.op === 'add' && operation.path === 'members' && Array.isArray(operation.value)) {
    sql = ADD_SQL;
    ids = [...new Set(operation.value.map((member) => member?.value))];
  } else if (operation?.op === 'remove' && removeMatch) {
    sql = REMOVE_SQL;
    ids = [removeMatch[1]];
  } else {
    throw new HttpError(400, 'unsupported PATCH operation');
  }
  if (!ids.every((value) => typeof value === 'string' && UUID.test(value)))
    throw new HttpError(400, 'No such member');
  const { rows } = await pool.query(sql, [
    request.tenantId,
    id,
    ids,
    new Date(),
    request.apiKeyId,
    request.id,
  ]);
  const row = rows[0];
  if (!row) throw new HttpError(404, `Group ${id} not found`);
  // An unknown member: nothing was inserted, so the statement changed nothing.
  if (row.resolved !== ids.length) throw new HttpError(400, 'No such member');
  const body = resource('Group', row, baseUrl(request), {});
  reply.type(SCIM_JSON).header('ETag', body.meta.version);
  return body;
});

app.get('/health/ready', async () => {
  await pool.query('SELECT 1');
  return { status: 'ok' };
});

const shutdown = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ port: Number(process.env.PORT ?? 3100), host: process.env.HOST ?? '127.0.0.1' });
