import { GroupEntity } from '../modules/groups/group.entity.js';
import { MembershipEntity } from '../modules/memberships/membership.entity.js';
import { TenantEntity } from '../modules/tenants/tenant.entity.js';
import { UserEntity } from '../modules/users/user.entity.js';
import { ApiKeyEntity } from '../modules/auth/api-key.entity.js';
import { AuditEventEntity } from '../modules/audit/audit-event.entity.js';

/** Every entity of the app, so the ORM, the migrator and the CLI see the same model. */
export const ENTITIES = [
  TenantEntity,
  UserEntity,
  GroupEntity,
  MembershipEntity,
  ApiKeyEntity,
  AuditEventEntity,
];
