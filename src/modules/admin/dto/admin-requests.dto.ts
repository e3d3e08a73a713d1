import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '../../../openapi/doc-decorators.js';
import { ScimError } from '../../../domain/errors.js';
import { isUuid } from '../../../domain/ids.js';
import {
  AUDIT_OPERATIONS,
  AUDIT_PAGE_DEFAULT,
  AUDIT_PAGE_MAX,
  AUDIT_RESOURCE_TYPES,
  type AuditOperation,
  type AuditResourceType,
} from '../../audit/audit.service.js';

const NAME_MAX = 200;
const CURSOR_MAX = 200;

export class CreateTenantBody {
  @ApiProperty({ type: String, example: 'Acme', maxLength: NAME_MAX })
  name!: string;

  static parse(value: unknown): CreateTenantBody {
    const fields = fieldsOf(value, ['name']);
    return Object.assign(new CreateTenantBody(), { name: nameOf(fields.name) });
  }
}

export class CreateApiKeyBody {
  @ApiPropertyOptional({
    type: String,
    example: 'okta-2026',
    maxLength: NAME_MAX,
    description: 'default "default"',
  })
  name?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the key stops working (ISO 8601, in the future); none when absent',
  })
  expiresAt?: string | null;

  static parse(value: unknown): CreateApiKeyBody {
    const fields = fieldsOf(value, ['name', 'expiresAt']);
    const body = new CreateApiKeyBody();
    if (fields.name != null) body.name = nameOf(fields.name);
    if (fields.expiresAt != null) body.expiresAt = dateTimeOf('expiresAt', fields.expiresAt);
    return body;
  }
}

/** PATCH /admin/v1/tenants/{id}: a new name. */
export class RenameTenantBody {
  @ApiProperty({ type: String, example: 'Acme Inc.', maxLength: NAME_MAX })
  name!: string;

  static parse(value: unknown): RenameTenantBody {
    if (value === undefined || value === null) throw invalid('the body must be a JSON object with name');
    const fields = fieldsOf(value, ['name']);
    return Object.assign(new RenameTenantBody(), { name: nameOf(fields.name) });
  }
}

export class CreateSetupLinkBody {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      'When the link stops working (ISO 8601, in the future, at most 30 days ahead); default in 7 days',
  })
  expiresAt?: string;

  static parse(value: unknown): CreateSetupLinkBody {
    const fields = fieldsOf(value, ['expiresAt']);
    const body = new CreateSetupLinkBody();
    if (fields.expiresAt != null) body.expiresAt = dateTimeOf('expiresAt', fields.expiresAt);
    return body;
  }
}

export class ListAuditEventsQuery {
  @ApiPropertyOptional({ type: String, description: 'nextCursor of the previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    enum: [...AUDIT_RESOURCE_TYPES],
    description: 'Only this resource type',
  })
  resourceType?: AuditResourceType;

  @ApiPropertyOptional({ type: String, description: "Only this resource's events (a User or Group id, …)" })
  resourceId?: string;

  @ApiPropertyOptional({ type: String, enum: [...AUDIT_OPERATIONS], description: 'Only this operation' })
  operation?: AuditOperation;

  static parse(value: unknown): ListAuditEventsQuery {
    const fields = fieldsOf(value, ['cursor', 'limit', 'resourceType', 'resourceId', 'operation']);
    const query = new ListAuditEventsQuery();
    if (fields.resourceType !== undefined) {
      const type = AUDIT_RESOURCE_TYPES.find((known) => known === fields.resourceType);
      if (!type) throw invalid(`resourceType must be one of ${AUDIT_RESOURCE_TYPES.join(', ')}`);
      query.resourceType = type;
    }
    if (fields.operation !== undefined) {
      const operation = AUDIT_OPERATIONS.find((known) => known === fields.operation);
      if (!operation) throw invalid(`operation must be one of ${AUDIT_OPERATIONS.join(', ')}`);
      query.operation = operation;
    }
    if (fields.resourceId !== undefined) {
      if (
        typeof fields.resourceId !== 'string' ||
        fields.resourceId.length === 0 ||
        fields.resourceId.length > 200
      ) {
        throw invalid('resourceId must be a string of 1 to 200 characters');
      }
      query.resourceId = isUuid(fields.resourceId) ? fields.resourceId.toLowerCase() : fields.resourceId;
    }
    if (fields.cursor !== undefined) {
      if (typeof fields.cursor !== 'string' || fields.cursor.length > CURSOR_MAX) {
        throw invalid(`cursor must be a string of at most ${CURSOR_MAX} characters`);
      }
      query.cursor = fields.cursor;
    }
    if (fields.limit !== undefined) {
      const limit = typeof fields.limit === 'string' ? Number(fields.limit) : NaN;
      if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) {
        throw invalid(`limit must be an integer from 1 to ${AUDIT_PAGE_MAX}`);
      }
      query.limit = limit;
    }
    return query;
  }
}

/** A request class of the operator API: its `parse` checks a body or query and builds the instance. */
interface Parsed {
  parse(value: unknown): unknown;
}

/**
 * Checks an operator API body or query with its class's `parse` (above): a wrong or unknown field is a
 * SCIM 400 invalidValue, before the handler runs. Two small bodies and a query: checked by hand, which
 * keeps a validation library (and the modules it loads) out of the server.
 */
export class AdminRequestPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const request = metadata.metatype as Partial<Parsed> | undefined;
    if (typeof request?.parse !== 'function') {
      throw new Error(`AdminRequestPipe: ${metadata.metatype?.name ?? metadata.type} has no static parse()`);
    }
    return request.parse(value);
  }
}

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidValue', detail);
}

/** The fields of a JSON object (an absent body is an empty one); any other field is refused. */
function fieldsOf(value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('the body must be a JSON object');
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw invalid(`unknown field(s): ${unknown.join(', ')}`);
  return value as Record<string, unknown>;
}

function nameOf(value: unknown): string {
  if (typeof value !== 'string') throw invalid('name must be a string');
  if (!/\S/.test(value)) throw invalid('name must not be blank');
  if (value.length > NAME_MAX) throw invalid(`name must be at most ${NAME_MAX} characters`);
  return value;
}

// ISO 8601 calendar date, optionally with a time (T separator) and an offset, as RFC 3339 writes it.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

function dateTimeOf(field: string, value: unknown): string {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  if (match && !Number.isNaN(Date.parse(match[0]))) {
    const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match
      .slice(1)
      .map((part) => Number(part ?? 0));
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const inRange =
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      offsetHour <= 23 &&
      offsetMinute <= 59;
    if (inRange) return match[0];
  }
  throw invalid(`${field} must be an ISO 8601 date-time, e.g. 2030-06-01T12:00:00Z`);
}
