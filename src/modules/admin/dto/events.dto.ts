import { ApiProperty, ApiPropertyOptional } from '../../../openapi/doc-decorators.js';
import { ScimError } from '../../../domain/errors.js';
import { EVENT_TYPES, isEventType, type EventType } from '../../../domain/events/event-types.js';
import { EVENTS_PAGE_DEFAULT, EVENTS_PAGE_MAX, type ChangeEventView } from '../../events/events.service.js';

const CURSOR_MAX = 200;
const QUERY_FIELDS = ['after', 'limit', 'types'];

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidValue', detail);
}

/** The query of the events feeds: `after`, `limit` and `types` (comma-separated). */
export class ListEventsQuery {
  @ApiPropertyOptional({
    type: String,
    description: 'nextCursor of the previous page; absent: from the oldest event kept',
  })
  after?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: EVENTS_PAGE_MAX,
    default: EVENTS_PAGE_DEFAULT,
  })
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    description: `Only these event types, comma-separated (${EVENT_TYPES.join(', ')}); all when absent`,
    example: 'user.created,user.deactivated',
  })
  types?: EventType[];

  static parse(value: unknown): ListEventsQuery {
    const fields = (value ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => !QUERY_FIELDS.includes(key));
    if (unknown.length > 0) throw invalid(`unknown query parameter(s): ${unknown.join(', ')}`);
    const query = new ListEventsQuery();
    if (fields.after !== undefined) {
      if (typeof fields.after !== 'string' || fields.after.length > CURSOR_MAX) {
        throw invalid(`after must be a string of at most ${CURSOR_MAX} characters`);
      }
      query.after = fields.after;
    }
    if (fields.limit !== undefined) {
      const limit =
        typeof fields.limit === 'string' && /^\d+$/.test(fields.limit) ? Number(fields.limit) : NaN;
      if (!Number.isInteger(limit) || limit < 1 || limit > EVENTS_PAGE_MAX) {
        throw invalid(`limit must be an integer from 1 to ${EVENTS_PAGE_MAX}`);
      }
      query.limit = limit;
    }
    if (fields.types !== undefined) {
      if (typeof fields.types !== 'string') throw invalid('types must be given once, comma-separated');
      const types = [...new Set(fields.types.split(',').map((type) => type.trim()))];
      const wrong = types.filter((type) => !isEventType(type));
      if (wrong.length > 0 || types.length === 0) {
        throw invalid(
          `unknown event type(s): ${wrong.slice(0, 5).join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
        );
      }
      query.types = types as EventType[];
    }
    return query;
  }
}

export class ChangeEventPageDto {
  @ApiProperty({
    type: 'array',
    items: { $ref: '#/components/schemas/ChangeEvent' },
    description: 'Oldest first, in commit-safe order (docs/events.md)',
  })
  events!: ChangeEventView[];

  @ApiProperty({
    type: String,
    description:
      'Where to poll from next (after=), present on every page: the last event of this page; on an empty page the given cursor, or without one the start of what is kept',
  })
  nextCursor!: string;
}
