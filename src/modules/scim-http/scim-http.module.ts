import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RequestScopes } from './request-scopes.js';

/**
 * The HTTP half shared by the SCIM resource endpoints (RFC 7644 §3): ResourceHttp, ETags, list
 * responses, search bodies, streamed JSON, the @ScimEndpoint() decorator and the RequestScope of a
 * request. Its public surface is index.ts. It holds no SQL and no service: modules with SCIM
 * controllers import it.
 */
@Module({
  imports: [AuthModule],
  providers: [RequestScopes],
  exports: [RequestScopes, AuthModule],
})
export class ScimHttpModule {}
