import { ApiProperty, ApiPropertyOptional } from '../../../openapi/doc-decorators.js';
import { AUDIT_OPERATIONS, AUDIT_RESOURCE_TYPES } from '../../audit/audit.service.js';

// Response shapes of the operator API: external scripts rely on them, so they are a contract.

export class TenantDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  name!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

export class CreatedTenantDto extends TenantDto {
  @ApiProperty({ type: String, format: 'uuid', description: 'Id of the first API key' })
  apiKeyId!: string;

  @ApiProperty({ type: String, description: 'The first API key; shown in this response only' })
  apiKey!: string;
}

export class ApiKeyDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  name!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Updated at most once a minute',
  })
  lastUsedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;
}

export class CreatedApiKeyDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  name!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, description: 'The API key; shown in this response only' })
  apiKey!: string;
}

export class AuditEventDto {
  @ApiProperty({ type: String, description: 'Increasing event id' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  time!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'The API key of a SCIM write; null for a change made through the operator API or the console',
  })
  apiKeyId!: string | null;

  @ApiProperty({
    type: String,
    description:
      'Who made the change: `api-key:<key id>` (a SCIM write), `operator` (ADMIN_TOKEN or an operator console session) or `setup-link:<link id>` (a customer admin’s console session)',
    example: 'setup-link:7d0b1c7e-8f0a-4c43-9a43-0e5e4b0e8d11',
  })
  actor!: string;

  @ApiProperty({ type: String })
  requestId!: string;

  @ApiProperty({ type: String, enum: [...AUDIT_OPERATIONS] })
  operation!: string;

  @ApiProperty({
    type: String,
    enum: [...AUDIT_RESOURCE_TYPES],
    description:
      'User and Group: SCIM writes; Tenant, ApiKey and SetupLink: operator API and console changes',
  })
  resourceType!: string;

  @ApiProperty({ type: String })
  resourceId!: string;

  @ApiProperty({ type: [String], description: 'Names of the changed attributes, never their values' })
  attributes!: string[];
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' })
  events!: AuditEventDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'cursor of the next (older) page; null on the last',
  })
  nextCursor!: string | null;
}

export class CreatedSetupLinkDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({
    type: String,
    description:
      'The link to hand the customer’s admin: <PUBLIC_URL or this request’s origin>/console/setup#<token>; shown in this response only',
  })
  url!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

export class SetupLinkDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Present once revoked' })
  revokedAt?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'The last sign-in with the link' })
  lastUsedAt?: string;
}

export class SetupLinkListDto {
  @ApiProperty({ type: [SetupLinkDto], description: 'Newest first' })
  setupLinks!: SetupLinkDto[];
}
