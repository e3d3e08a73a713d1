import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
  type PipeTransform,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ScimError } from '../../domain/errors.js';
import {
  ApiBody,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '../../openapi/doc-decorators.js';
import { requestTags } from '../../http/request-tags.js';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter.js';
import { ConsoleSessionErrors } from './console-api.decorators.js';
import { cameOverHttps, clearedSessionCookie, sessionCookie, sessionCookieOf } from './console-cookie.js';
import { ConsoleSessionDto, SignInBody } from './console-session.dto.js';
import {
  ConsoleSessionsService,
  type ConsoleSessionView,
  type SignInRequest,
} from './console-sessions.service.js';

/** Checks the sign-in body (a SCIM 400 on a wrong or unknown field) before the handler runs. */
class SignInPipe implements PipeTransform {
  transform(value: unknown): SignInRequest {
    return SignInBody.parse(value);
  }
}

/**
 * The console's session (docs/console.md): sign in with a setup token or ADMIN_TOKEN, read the
 * session, sign out. The session lives in an HttpOnly, SameSite=Strict cookie; the CSRF token in the
 * response is what state-changing requests send back as X-CSRF-Token.
 */
@ApiTags('console')
@Controller('console/api/session')
export class ConsoleSessionController {
  private readonly trustProxy: boolean;

  constructor(
    private readonly sessions: ConsoleSessionsService,
    private readonly failures: FailedAuthLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.trustProxy = config.trustProxy;
  }

  @Post()
  @ApiOperation({
    summary: 'Sign in to the console with a setup token or ADMIN_TOKEN; sets the session cookie',
    // The body carries the credentials: no scheme applies before it.
    security: [],
    description:
      'Sets `scim_console` (HttpOnly; SameSite=Strict; Path=/; Secure over https). Failed attempts spend the ' +
      "client address's failed-authentication budget, like wrong SCIM API keys (429 beyond).",
  })
  @ApiBody({ type: SignInBody })
  @ApiCreatedResponse({
    type: ConsoleSessionDto,
    description: 'Signed in',
    headers: {
      'Set-Cookie': {
        description: 'scim_console=<session id>; HttpOnly; SameSite=Strict; Path=/; Max-Age=…[; Secure]',
        required: true,
        schema: { type: 'string' },
      },
    },
  })
  @ConsoleSessionErrors({ body: true })
  async createSession(
    @Body(new SignInPipe()) body: SignInRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionView> {
    // The socket's address, as for SCIM keys: guessing setup tokens costs the same budget.
    const budget = this.failures.check(request.ip);
    if (!budget.allowed) {
      requestTags(request.raw).refusal = 'auth_failure_limit';
      void reply.header('Retry-After', String(budget.retryAfterSeconds));
      throw new ScimError(
        429,
        'Too many failed sign-ins from this address; retry after the Retry-After delay',
      );
    }
    let signedIn;
    try {
      signedIn = await this.sessions.signIn(body);
    } catch (error) {
      if (error instanceof ScimError && error.status === 401) this.failures.recordFailure(request.ip);
      throw error;
    }
    const maxAge = (Date.parse(signedIn.view.expiresAt) - Date.now()) / 1000;
    void reply.header(
      'Set-Cookie',
      sessionCookie(signedIn.sessionId, maxAge, cameOverHttps(request, this.trustProxy)),
    );
    void reply.status(201);
    return signedIn.view;
  }

  @Get()
  @ApiCookieAuth('consoleSession')
  @ApiOperation({ summary: 'The current console session (its CSRF token included), or 401' })
  @ApiOkResponse({ type: ConsoleSessionDto })
  @ConsoleSessionErrors()
  async getSession(@Req() request: FastifyRequest): Promise<ConsoleSessionView> {
    const sessionId = sessionCookieOf(request);
    const session = sessionId ? await this.sessions.find(sessionId) : undefined;
    if (!session) throw new ScimError(401, 'No console session: sign in');
    return session.view;
  }

  @Delete()
  @HttpCode(204)
  @ApiCookieAuth('consoleSession')
  @ApiOperation({ summary: 'Sign out: ends the session and clears the cookie' })
  @ApiHeader({ name: 'X-CSRF-Token', required: true, description: "The session's csrfToken" })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ConsoleSessionErrors({ csrf: true })
  async deleteSession(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const sessionId = sessionCookieOf(request);
    const session = sessionId ? await this.sessions.find(sessionId) : undefined;
    if (!sessionId || !session) throw new ScimError(401, 'No console session: sign in');
    if (!this.sessions.csrfMatches(session, request.headers['x-csrf-token'])) {
      throw new ScimError(403, 'X-CSRF-Token is missing or wrong');
    }
    await this.sessions.signOut(sessionId);
    void reply.header('Set-Cookie', clearedSessionCookie(cameOverHttps(request, this.trustProxy)));
  }
}
