import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ConsoleRole } from '../../domain/console/console-session-rules.js';

/**
 * Who is calling the operator API, as the admin guard found out: an operator (ADMIN_TOKEN bearer or an
 * operator session) or a tenant admin (a session started by a setup link), and the audit actor.
 */
export interface OperatorCall {
  role: ConsoleRole;
  /** `operator` or `setup-link:<link id>`: what the audit trail records as who made a change. */
  actor: string;
  /** The request id (X-Request-Id), for the audit trail. */
  requestId: string;
  /** A tenant admin's tenant. */
  tenantId?: string;
}

export interface RequestWithOperatorCall {
  operatorCall?: OperatorCall;
  id?: string;
}

/** Controller parameter: who called (set by the admin guard on every /admin/v1 route). */
export const CurrentOperator = createParamDecorator((_data: unknown, ctx: ExecutionContext): OperatorCall => {
  const request = ctx.switchToHttp().getRequest<RequestWithOperatorCall>();
  if (!request.operatorCall) throw new Error('CurrentOperator used on a route without the admin guard');
  return request.operatorCall;
});
