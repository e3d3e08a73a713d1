import { Migration } from '@mikro-orm/migrations';

/**
 * Hand-written: every server process caches the API keys it has verified, so a change that can refuse a
 * key must reach all of them at once. A revocation, a new expiry, a deleted key (also through the
 * ON DELETE CASCADE of a tenant deletion, which fires these row triggers) and a TRUNCATE notify channel
 * `scim_api_key` with the key id ('*' for every key); the notification is delivered on commit, and each
 * process evicts the key (src/storage/api-key-invalidations.ts). lastUsedAt writes notify nothing.
 */
export class Migration20261201140000_ApiKeyInvalidation extends Migration {
  override name = 'Migration20261201140000_ApiKeyInvalidation';

  override up(): void | Promise<void> {
    this.addSql(`create function "api_key_notify_row"() returns trigger language plpgsql as $$
begin
  perform pg_notify('scim_api_key', old.id::text);
  return null;
end
$$;`);
    this.addSql(`create function "api_key_notify_all"() returns trigger language plpgsql as $$
begin
  perform pg_notify('scim_api_key', '*');
  return null;
end
$$;`);
    this.addSql(
      `create trigger "api_key_changed" after update of "revoked_at", "expires_at", "token_hash", "tenant_id", "id" or delete on "api_key" for each row execute function "api_key_notify_row"();`,
    );
    this.addSql(
      `create trigger "api_key_truncated" after truncate on "api_key" for each statement execute function "api_key_notify_all"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "api_key_truncated" on "api_key";`);
    this.addSql(`drop trigger "api_key_changed" on "api_key";`);
    this.addSql(`drop function "api_key_notify_all"();`);
    this.addSql(`drop function "api_key_notify_row"();`);
  }
}
