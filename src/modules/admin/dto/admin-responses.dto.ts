import { ApiProperty } from '../../../openapi/doc-decorators.js';

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

  @ApiProperty({ type: String, format: 'uuid' })
  apiKeyId!: string;

  @ApiProperty({ type: String })
  requestId!: string;

  @ApiProperty({ type: String, enum: ['create', 'replace', 'patch', 'delete'] })
  operation!: string;

  @ApiProperty({ type: String, enum: ['User', 'Group'] })
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
