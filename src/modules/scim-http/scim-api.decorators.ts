import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiProduces } from '../../openapi/doc-decorators.js';
import { SCIM_MEDIA_TYPE } from '../../http/scim-media-type.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';

/** Every SCIM controller: tenant API key required, SCIM media types on both sides. */
export function ScimEndpoint(): ClassDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard),
    ApiBearerAuth('tenantKey'),
    ApiConsumes(SCIM_MEDIA_TYPE, 'application/json'),
    ApiProduces(SCIM_MEDIA_TYPE),
  );
}
