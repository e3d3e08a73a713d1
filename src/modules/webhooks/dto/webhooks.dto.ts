import { ApiProperty, ApiPropertyOptional } from '../../../openapi/doc-decorators.js';
import { EVENT_TYPES } from '../../../domain/events/event-types.js';
import {
  DEFAULT_GRACE_SECONDS,
  DESCRIPTION_MAX,
  GRACE_MAX_SECONDS,
  URL_MAX,
} from '../../../domain/webhooks/endpoint-input.js';
import { ATTEMPTS_PAGE_DEFAULT, ATTEMPTS_PAGE_MAX } from '../webhooks.service.js';

// Request and response shapes of the webhook endpoints of the operator API (docs/events.md, "Webhooks").
// Bodies are checked by WebhooksService (domain/webhooks/endpoint-input.ts): these classes document them.

function eventTypesSchema(description: string) {
  return {
    type: 'array' as const,
    items: { type: 'string' as const, enum: [...EVENT_TYPES] },
    nullable: true,
    minItems: 1,
    example: ['user.deactivated', 'user.role_changed'],
    description,
  };
}

const ENDPOINT_ID = '3f0c2a8e-6a57-4a4e-9a43-9d2f3c1b7e10';
const TENANT_ID = '8d3c7a52-5a8e-4f3b-b1b2-2f0e6b7c9d10';

export class CreateWebhookEndpointBody {
  @ApiProperty({
    type: String,
    format: 'uri',
    maxLength: URL_MAX,
    example: 'https://hooks.example.com/scim-events',
    description:
      'Where deliveries are POSTed: http(s), no credentials; loopback, private, link-local and metadata addresses are refused (after DNS resolution) unless WEBHOOK_ALLOW_PRIVATE=true',
  })
  url!: string;

  @ApiPropertyOptional(eventTypesSchema('Only these event types; all when absent or null'))
  eventTypes?: string[] | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: DESCRIPTION_MAX,
    example: 'Access service',
  })
  description?: string | null;
}

export class UpdateWebhookEndpointBody {
  @ApiPropertyOptional({ type: String, format: 'uri', maxLength: URL_MAX })
  url?: string;

  @ApiPropertyOptional(eventTypesSchema('Only these event types; null: all'))
  eventTypes?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: DESCRIPTION_MAX })
  description?: string | null;

  @ApiPropertyOptional({
    type: Boolean,
    example: false,
    description:
      'true: no events are fanned out to it and nothing is sent; false: enabled again (its disabledReason cleared, its pending deliveries resume)',
  })
  disabled?: boolean;
}

export class RotateWebhookSecretBody {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: GRACE_MAX_SECONDS,
    default: DEFAULT_GRACE_SECONDS,
    description:
      'How long the old secret keeps signing beside the new one (both signatures in webhook-signature)',
  })
  gracePeriodSeconds?: number;
}

export class RedeliverBody {
  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The event to send again (its id)' })
  eventId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-12-01T12:00:00Z',
    description:
      'Send again every event of the endpoint that occurred at or after this time (and is still kept)',
  })
  since?: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ type: String, format: 'uuid', example: ENDPOINT_ID })
  id!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    example: TENANT_ID,
    description: "The tenant whose events it receives; null: every tenant's",
  })
  tenantId!: string | null;

  @ApiProperty({ type: String, format: 'uri', example: 'https://hooks.example.com/scim-events' })
  url!: string;

  @ApiProperty(eventTypesSchema('Only these event types; null: all'))
  eventTypes!: string[] | null;

  @ApiProperty({ type: String, nullable: true, example: 'Access service' })
  description!: string | null;

  @ApiProperty({ type: Boolean, example: false })
  disabled!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Why it is disabled: "disabled by the operator", or the delivery that failed for the whole retry schedule (about 3 days) and its last error',
  })
  disabledReason!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'Since when its deliveries fail (null: the last attempt succeeded)',
  })
  failingSince!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'Until when the secret before the last rotation still signs',
  })
  previousSecretExpiresAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-01T15:04:05.123Z' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-01T15:04:05.123Z' })
  updatedAt!: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    type: String,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (Standard Webhooks, whsec_…); shown in this response only',
  })
  secret!: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  endpoints!: WebhookEndpointDto[];
}

export class RotatedWebhookSecretDto {
  @ApiProperty({ type: String, format: 'uuid', example: ENDPOINT_ID })
  id!: string;

  @ApiProperty({
    type: String,
    example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    description: 'The new signing secret; shown in this response only',
  })
  secret!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-02T15:04:05.123Z',
    description: 'Until when the old secret also signs; null with gracePeriodSeconds=0',
  })
  previousSecretExpiresAt!: string | null;
}

export class WebhookAttemptDto {
  @ApiProperty({ type: String, example: '1042' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', description: 'The event (webhook-id of the request)' })
  eventId!: string;

  @ApiProperty({
    type: String,
    example: 'user.deactivated',
    description: 'Its type (webhook.test for a test)',
  })
  eventType!: string;

  @ApiProperty({ type: String, nullable: true, example: '981', description: 'The delivery; null for a test' })
  deliveryId!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  attemptedAt!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 503,
    description: 'The HTTP status answered; null when none came (refused address, timeout, connection error)',
  })
  status!: number | null;

  @ApiProperty({ type: 'integer', example: 37 })
  latencyMs!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Service Unavailable',
    description: 'The first 1 KiB of the answer',
  })
  responseBody!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;
}

export class WebhookAttemptPageDto {
  @ApiProperty({ type: [WebhookAttemptDto], description: 'Newest first' })
  attempts!: WebhookAttemptDto[];

  @ApiPropertyOptional({
    type: String,
    description: 'Present when there may be older ones: pass it as before',
  })
  nextCursor?: string;
}

export class ListAttemptsQuery {
  @ApiPropertyOptional({ type: String, description: 'nextCursor of the previous page' })
  before?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: ATTEMPTS_PAGE_MAX,
    default: ATTEMPTS_PAGE_DEFAULT,
  })
  limit?: number;
}

export class RedeliveryDto {
  @ApiProperty({ type: 'integer', example: 12, description: 'Deliveries queued' })
  queued!: number;
}
