import { Migration } from '@mikro-orm/migrations';

/**
 * The role requests run as. Tenant-scoped transactions switch to it (SET LOCAL ROLE, see
 * src/storage/tenant-scope.ts); it is no superuser, has no BYPASSRLS and owns nothing, so the policies
 * below always apply to it. The connecting role owns the tables: migrations and cross-tenant (system)
 * work run as it, and no FORCE ROW LEVEL SECURITY keeps it out of the policies' reach.
 */
const APP_ROLE = 'scim_app';

/** The tables whose rows belong to one tenant, with what a request may do to them. */
const TENANT_TABLES: Array<{ table: string; privileges: string }> = [
  { table: 'scim_user', privileges: 'select, insert, update, delete' },
  { table: 'scim_group', privileges: 'select, insert, update, delete' },
  { table: 'scim_membership', privileges: 'select, insert, update, delete' },
  { table: 'api_key', privileges: 'select, insert, update, delete' },
  // The audit trail is append-only for requests; it goes with its tenant (ON DELETE CASCADE, as owner).
  { table: 'audit_event', privileges: 'select, insert' },
];

/** The request's tenant; no setting or an empty one (no scope) is NULL, which matches no row. */
const TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`;

export class Migration20261201124500_RowLevelSecurity extends Migration {
  override name = 'Migration20261201124500_RowLevelSecurity';

  override up(): void | Promise<void> {
    // Roles are cluster-wide: the role may exist already (another database of the cluster, a test
    // template's clone, a concurrent migration of another database: unique_violation). A connecting
    // role that may not create roles gets a warning, and the server says at start that requests
    // bypass row-level security.
    this.addSql(`do $$
begin
  create role "${APP_ROLE}" nologin nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
exception
  when duplicate_object or unique_violation then null;
  when insufficient_privilege then
    raise warning 'cannot create the role ${APP_ROLE}: requests will not be subject to row-level security';
end $$;`);

    for (const { table } of TENANT_TABLES) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "tenant_isolation" on "${table}" using ("tenant_id" = ${TENANT}) with check ("tenant_id" = ${TENANT});`,
      );
    }
    // A request sees its own tenant row only, and may lock it (FOR KEY SHARE needs the UPDATE privilege
    // and passes the UPDATE policy's USING) but never change it (WITH CHECK false).
    this.addSql(`alter table "tenant" enable row level security;`);
    this.addSql(`create policy "tenant_read" on "tenant" for select using ("id" = ${TENANT});`);
    this.addSql(
      `create policy "tenant_lock" on "tenant" for update using ("id" = ${TENANT}) with check (false);`,
    );

    const grants = [
      ...TENANT_TABLES.map(({ table, privileges }) => `grant ${privileges} on "${table}" to "${APP_ROLE}";`),
      `grant select, update ("name") on "tenant" to "${APP_ROLE}";`,
      `grant usage on sequence "audit_event_id_seq" to "${APP_ROLE}";`,
    ];
    // Only when the role exists; the connecting role becomes its member so that it may switch to it.
    this.addSql(`do $$
begin
  if to_regrole('${APP_ROLE}') is null then return; end if;
  ${grants.join('\n  ')}
  begin
    grant "${APP_ROLE}" to current_user;
  exception
    -- The same grant by a concurrent migration of another database of the cluster: it is there.
    when unique_violation then null;
    when insufficient_privilege or invalid_grant_operation then
      raise warning 'cannot grant the role ${APP_ROLE} to %: requests will not be subject to row-level security', current_user;
  end;
end $$;`);
  }

  override down(): void | Promise<void> {
    // The role stays: it is cluster-wide and other databases of the cluster may still use it.
    this.addSql(`do $$
begin
  if to_regrole('${APP_ROLE}') is null then return; end if;
  revoke all on ${['tenant', ...TENANT_TABLES.map(({ table }) => table)].map((table) => `"${table}"`).join(', ')} from "${APP_ROLE}";
  revoke all on sequence "audit_event_id_seq" from "${APP_ROLE}";
end $$;`);
    for (const table of ['tenant', ...TENANT_TABLES.map(({ table }) => table)]) {
      for (const policy of table === 'tenant' ? ['tenant_read', 'tenant_lock'] : ['tenant_isolation']) {
        this.addSql(`drop policy if exists "${policy}" on "${table}";`);
      }
      this.addSql(`alter table "${table}" disable row level security;`);
    }
  }
}
