import { ApiKeyEntity } from '../storage/entities/api-key.entity.js';
import { AuditEventEntity } from '../storage/entities/audit-event.entity.js';
import { ChangeEventEntity, ChangeEventHorizonEntity } from '../storage/entities/change-event.entity.js';
import { GroupEntity } from '../storage/entities/group.entity.js';
import { MembershipEntity } from '../storage/entities/membership.entity.js';
import { RateLimitEntity } from '../storage/entities/rate-limit.entity.js';
import { TenantEntity } from '../storage/entities/tenant.entity.js';
import { UserEntity } from '../storage/entities/user.entity.js';
import { ConsoleSessionEntity } from '../storage/entities/console-session.entity.js';
import { ScimConnectionEntity } from '../storage/entities/scim-connection.entity.js';
import { SetupLinkEntity } from '../storage/entities/setup-link.entity.js';
import {
  WebhookAttemptEntity,
  WebhookChainEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookFanoutEntity,
} from '../storage/entities/webhook.entity.js';

/** Every entity of the app, so the ORM, the migrator, the CLI and the typed query builder see the same model. */
export const ENTITIES = [
  TenantEntity,
  UserEntity,
  GroupEntity,
  MembershipEntity,
  ApiKeyEntity,
  AuditEventEntity,
  ChangeEventEntity,
  ChangeEventHorizonEntity,
  RateLimitEntity,
  SetupLinkEntity,
  ConsoleSessionEntity,
  ScimConnectionEntity,
  WebhookEndpointEntity,
  WebhookFanoutEntity,
  WebhookDeliveryEntity,
  WebhookChainEntity,
  WebhookAttemptEntity,
];
