import { Migration } from '@mikro-orm/migrations';

export class Migration20261201121546_UserTypeAsSent extends Migration {
  override name = 'Migration20261201121546_UserTypeAsSent';

  override up(): void | Promise<void> {
    // userType is what the identity provider sent: NULL when it sent none (the team role is then Viewer).
    // Rows stored before keep the 'Viewer' they were given: whether the IdP sent it cannot be told apart.
    this.addSql(`alter table "scim_user" alter column "user_type" drop default;`);
    this.addSql(`alter table "scim_user" alter column "user_type" drop not null;`);
    // Hand-written: the stored form now always carries `active` (a user created without it is active), so
    // that reads agree with the `active` column filters use. The representation changes: so does the ETag.
    this.addSql(
      `update "scim_user" set "data" = jsonb_set("data", '{active}', to_jsonb("active")), "version" = "version" + 1 where not ("data" ? 'active');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`update "scim_user" set "user_type" = 'Viewer' where "user_type" is null;`);
    this.addSql(`alter table "scim_user" alter column "user_type" set default 'Viewer';`);
    this.addSql(`alter table "scim_user" alter column "user_type" set not null;`);
  }
}
