import { ApiProperty, ApiPropertyOptional } from '../../openapi/doc-decorators.js';
import { ScimError } from '../../domain/errors.js';
import type { SignInRequest } from './console-sessions.service.js';

const TOKEN_MAX = 512;

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidValue', detail);
}

/** POST /console/api/session: exactly one of setupToken (a customer's admin) or adminToken (an operator). */
export class SignInBody {
  @ApiPropertyOptional({
    type: String,
    description: "The token of a setup link (the URL's fragment, after #)",
    maxLength: TOKEN_MAX,
  })
  setupToken?: string;

  @ApiPropertyOptional({ type: String, description: 'ADMIN_TOKEN (operators)', maxLength: TOKEN_MAX })
  adminToken?: string;

  static parse(value: unknown): SignInRequest {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid('the body must be a JSON object');
    }
    const fields = value as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => key !== 'setupToken' && key !== 'adminToken');
    if (unknown.length > 0) throw invalid(`unknown field(s): ${unknown.join(', ')}`);
    const given = (['setupToken', 'adminToken'] as const).filter((key) => fields[key] !== undefined);
    if (given.length !== 1) throw invalid('send exactly one of setupToken or adminToken');
    const token = fields[given[0]];
    if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_MAX) {
      throw invalid(`${given[0]} must be a string of 1 to ${TOKEN_MAX} characters`);
    }
    return given[0] === 'setupToken' ? { setupToken: token } : { adminToken: token };
  }
}

export class ConsoleSessionDto {
  @ApiProperty({ type: String, enum: ['operator', 'tenantAdmin'] })
  role!: 'operator' | 'tenantAdmin';

  @ApiPropertyOptional({ type: String, format: 'uuid', description: "A tenant admin's tenant" })
  tenantId?: string;

  @ApiPropertyOptional({ type: String, description: "A tenant admin's tenant's name" })
  tenantName?: string;

  @ApiProperty({
    type: String,
    description:
      'Send as the X-CSRF-Token header with every POST, PUT, PATCH and DELETE made with the session cookie; keep it in memory only',
  })
  csrfToken!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description:
      'When the session ends at the latest: 12 hours after sign-in, or when its setup link expires',
  })
  expiresAt!: string;

  @ApiProperty({
    type: 'integer',
    description:
      'The session also ends after this many minutes without a request (CONSOLE_SESSION_IDLE_MINUTES)',
  })
  idleTimeoutMinutes!: number;
}
