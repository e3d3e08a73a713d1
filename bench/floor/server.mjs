// The floor: a bare Fastify + pg server answering the benchmarked request shapes with the same SQL
// statements as the SCIM server (bearer check, indexed lookups, every write's tenant row lock (FOR KEY
// SHARE), the insert and its audit row, membership insert/delete with the group row locked (FOR NO KEY
// UPDATE), the members locked (FOR KEY SHARE) and the group touched, page and count queries, a group's
// members read through a cursor (BEGIN READ ONLY, DECLARE, FETCH)) and the same JSON shapes. No framework, ORM, validation beyond what the SQL needs, logging or rate limiting: what is
// left is the cost of HTTP, PostgreSQL and JSON on this machine.
//
// env: PORT, HOST (127.0.0.1), DATABASE_URL, POOL_MAX (20, as the server's MikroORM pool)
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SCIM_JSON = 'application/scim+json';
const COLUMNS = 'r.id, r.data, r.created_at, r.last_modified, r.version';
const TOKEN =
  /^Bearer\s+(scim_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_[A-Za-z0-9_-]{43})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

// Bearer check: one primary-key lookup of the key row, then a constant-time hash comparison.
app.addHook('onRequest', async (request) => {
  if (!request.url.startsWith('/scim/v2/')) return;
  const match = TOKEN.exec(request.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'Authorization: Bearer <API key> is required');
  const { rows } = await pool.query(
    'SELECT id, tenant_id, token_hash, revoked_at, expires_at FROM api_key WHERE id = $1',
    [match[2]],
  );
  const key = rows[0];
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

async function groupsOf(tenantId, ids, base) {
  const byMember = new Map(ids.map((id) => [id, []]));
  if (ids.length === 0) return byMember;
  const { rows } = await pool.query(
    `SELECT m.member_id, g.id AS value, g.display_name AS display
       FROM scim_membership m
       JOIN scim_group g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
      WHERE m.tenant_id = $1 AND m.member_id = ANY($2::uuid[])
      ORDER BY g.display_name, g.id`,
    [tenantId, ids],
  );
  for (const row of rows) {
    byMember
      .get(row.member_id)
      ?.push({ value: row.value, $ref: `${base}/Groups/${row.value}`, display: row.display, type: 'direct' });
  }
  return byMember;
}

const MEMBERS_SQL = `SELECT m.group_id, m.member_id AS value, m.member_type AS type,
        coalesce(u.display_name, u.user_name, g.display_name) AS display
   FROM scim_membership m
   LEFT JOIN scim_user u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
   LEFT JOIN scim_group g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
  WHERE m.tenant_id = $1 AND m.group_id = ANY($2::uuid[])
  ORDER BY m.group_id, m.member_id`;

/**
 * A group's members, read as the server reads them: on a connection of its own, in a read-only
 * transaction, through a SQL cursor fetched 2000 rows at a time. The floor then builds the whole answer
 * (the server streams it).
 */
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
  return Buffer.from(JSON.stringify({ k: row.sort_key.toISOString(), i: row.id }), 'utf8').toString(
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

/** A page of a resource table in the server's default order (created_at, id), with its total count. */
async function listPage(request, table, extraWhere, extraValues) {
  const query = request.query;
  const values = [request.tenantId, ...extraValues];
  const where = [`r.tenant_id = $1`, ...extraWhere];
  const total = pool.query(`SELECT count(*)::int AS total FROM ${table} r WHERE ${where.join(' AND ')}`, [
    ...values,
  ]);
  const count = Math.min(1000, Math.max(0, Number(query.count ?? 100)));
  const startIndex = Math.max(1, Number(query.startIndex ?? 1));
  const cursor = query.cursor;
  if (cursor) {
    const position = decodeCursor(cursor);
    values.push(position.k, position.i);
    where.push(`(r.created_at, r.id) > ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(count + 1, cursor === undefined ? startIndex - 1 : 0);
  const page = pool.query(
    `SELECT ${COLUMNS}${cursor !== undefined ? ', r.created_at AS sort_key' : ''} FROM ${table} r ` +
      `WHERE ${where.join(' AND ')} ORDER BY r.created_at ASC, r.id ASC ` +
      `LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  const [{ rows }, counted] = await Promise.all([page, total]);
  const hasMore = rows.length > count;
  const pageRows = hasMore ? rows.slice(0, count) : rows;
  return {
    rows: pageRows,
    totalResults: counted.rows[0].total,
    startIndex: cursor === undefined ? startIndex : 1,
    nextCursor: cursor !== undefined && hasMore ? cursorOf(pageRows[pageRows.length - 1]) : undefined,
  };
}

function listResponse(page, resources) {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: page.totalResults,
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
    page = await listPage(request, 'scim_user', ['(r.user_name_lower = lower($2))'], [match[1]]);
  } else {
    page = await listPage(request, 'scim_user', [], []);
  }
  const base = baseUrl(request);
  const groups = await groupsOf(
    request.tenantId,
    page.rows.map((row) => row.id),
    base,
  );
  reply.type(SCIM_JSON);
  return listResponse(
    page,
    page.rows.map((row) => resource('User', row, base, { groups: groups.get(row.id) })),
  );
});

app.get('/scim/v2/Users/:id', async (request, reply) => {
  const { id } = request.params;
  if (!UUID.test(id)) throw new HttpError(404, `User ${id} not found`);
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM scim_user r WHERE r.tenant_id = $1 AND r.id = $2`,
    [request.tenantId, id],
  );
  if (!rows[0]) throw new HttpError(404, `User ${id} not found`);
  const base = baseUrl(request);
  const groups = await groupsOf(request.tenantId, [id], base);
  const body = resource('User', rows[0], base, { groups: groups.get(id) });
  reply.type(SCIM_JSON).header('ETag', body.meta.version);
  return body;
});

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
  const client = await pool.connect();
  let row;
  try {
    await client.query('BEGIN');
    await lockTenant(client, request);
    const inserted = await client.query(
      `INSERT INTO scim_user AS r (tenant_id, id, user_name, external_id, active, display_name, given_name,
          family_name, primary_email, user_type, created_at, last_modified, version, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13::jsonb)
       RETURNING ${COLUMNS}`,
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
        now,
        JSON.stringify(stored),
      ],
    );
    row = inserted.rows[0];
    await audit(client, request, 'create', 'User', id, Object.keys(stored));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    if (error.code === '23505')
      throw new HttpError(409, `A user with userName "${stored.userName}" already exists`);
    throw error;
  } finally {
    client.release();
  }
  const created = resource('User', row, baseUrl(request), { groups: [] });
  reply
    .status(201)
    .type(SCIM_JSON)
    .header('ETag', created.meta.version)
    .header('Location', created.meta.location);
  return created;
});

/** The first statement of every write, as the server's: the tenant row held for the transaction. */
async function lockTenant(client, request) {
  const { rows } = await client.query('SELECT 1 FROM tenant WHERE id = $1 FOR KEY SHARE', [request.tenantId]);
  if (rows.length === 0) throw new HttpError(401, 'Invalid API key: its tenant no longer exists');
}

function audit(client, request, operation, resourceType, resourceId, attributes) {
  return client.query(
    `INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [request.tenantId, request.apiKeyId, request.id, operation, resourceType, resourceId, attributes],
  );
}

app.get('/scim/v2/Groups', async (request, reply) => {
  if (request.query.excludedAttributes !== 'members')
    throw new HttpError(400, 'only excludedAttributes=members');
  const page = await listPage(request, 'scim_group', [], []);
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

// PATCH members: only the benchmarked shapes, add {path: members, value: [{value}]} and
// remove {path: members[value eq "<id>"]}; the tenant and group rows are locked, then the group is touched
// when a row changed.
app.patch('/scim/v2/Groups/:id', async (request, reply) => {
  const { id } = request.params;
  if (!UUID.test(id)) throw new HttpError(404, `Group ${id} not found`);
  const operation = request.body?.Operations?.[0];
  const removeMatch = /^members\[value eq "([^"]+)"\]$/.exec(operation?.path ?? '');
  const client = await pool.connect();
  let row;
  try {
    await client.query('BEGIN');
    await lockTenant(client, request);
    const found = await client.query(
      `SELECT ${COLUMNS} FROM scim_group r WHERE r.tenant_id = $1 AND r.id = $2 FOR NO KEY UPDATE`,
      [request.tenantId, id],
    );
    if (!found.rows[0]) throw new HttpError(404, `Group ${id} not found`);
    let changed;
    if (operation?.op === 'add' && operation.path === 'members') {
      const ids = [...new Set(operation.value.map((member) => member.value))];
      // The members locked in id order until the end of the transaction, as the server does.
      const resolved = await client.query(
        `WITH users AS (
         SELECT id FROM scim_user WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
       ), groups AS (
         SELECT id FROM scim_group WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
       )
       SELECT id, 'User' AS type FROM users UNION ALL SELECT id, 'Group' AS type FROM groups`,
        [request.tenantId, ids],
      );
      if (resolved.rows.length !== ids.length) throw new HttpError(400, 'No such member');
      const inserted = await client.query(
        `INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
         SELECT $1, $2, member.id, member.type
           FROM unnest($3::uuid[], $4::text[]) AS member(id, type)
         ON CONFLICT DO NOTHING`,
        [request.tenantId, id, resolved.rows.map((m) => m.id), resolved.rows.map((m) => m.type)],
      );
      changed = inserted.rowCount > 0;
    } else if (operation?.op === 'remove' && removeMatch) {
      const removed = await client.query(
        `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[])`,
        [request.tenantId, id, [removeMatch[1]]],
      );
      changed = removed.rowCount > 0;
    } else {
      throw new HttpError(400, 'unsupported PATCH operation');
    }
    row = found.rows[0];
    if (changed) {
      const touched = await client.query(
        `UPDATE scim_group AS r SET version = r.version + 1, last_modified = $3
          WHERE r.tenant_id = $1 AND r.id = $2 RETURNING ${COLUMNS}`,
        [request.tenantId, id, new Date()],
      );
      row = touched.rows[0];
      await audit(client, request, 'patch', 'Group', id, ['members']);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
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
