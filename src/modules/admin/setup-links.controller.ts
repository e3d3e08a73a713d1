import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '../../openapi/doc-decorators.js';
import { cameOverHttps } from '../console-auth/console-cookie.js';
import { CurrentOperator, type OperatorCall } from '../console-auth/operator-call.js';
import { SetupLinksService } from '../console-auth/setup-links.service.js';
import { AdminErrors } from './admin-api.decorators.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminRequestPipe, CreateSetupLinkBody } from './dto/admin-requests.dto.js';
import { CreatedSetupLinkDto, SetupLinkListDto } from './dto/admin-responses.dto.js';

const validate = new AdminRequestPipe();

/** Setup links of the operator API (docs/console.md): operators only (a setup link session gets 403). */
@ApiTags('admin')
@ApiBearerAuth('adminToken')
@ApiCookieAuth('consoleSession')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1')
export class SetupLinksController {
  private readonly trustProxy: boolean;

  constructor(
    private readonly links: SetupLinksService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.trustProxy = config.trustProxy;
  }

  @Post('tenants/:id/setup-links')
  @ApiOperation({
    summary:
      "Create a setup link: a URL that signs a customer's admin in to the console for this tenant only",
  })
  @ApiCreatedResponse({ type: CreatedSetupLinkDto })
  @AdminErrors({ validates: true, body: true, notFound: 'there is no such tenant' })
  @ApiBody({ type: CreateSetupLinkBody, required: false })
  createSetupLink(
    @Param('id') id: string,
    @Body(validate) body: CreateSetupLinkBody,
    @CurrentOperator() call: OperatorCall,
    @Req() request: FastifyRequest,
  ): Promise<CreatedSetupLinkDto> {
    const origin = `${cameOverHttps(request, this.trustProxy) ? 'https' : 'http'}://${request.host}`;
    return this.links.create(
      id,
      { expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
      call,
      origin,
    );
  }

  @Get('tenants/:id/setup-links')
  @ApiOperation({ summary: "List a tenant's setup links (never their tokens)" })
  @ApiOkResponse({ type: SetupLinkListDto })
  @AdminErrors({ notFound: 'there is no such tenant' })
  async listSetupLinks(@Param('id') id: string): Promise<SetupLinkListDto> {
    return { setupLinks: await this.links.list(id) };
  }

  @Delete('tenants/:id/setup-links/:linkId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a setup link: it and every session it started stop working at once' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @AdminErrors({ notFound: 'the tenant has no such link' })
  revokeSetupLink(
    @Param('id') id: string,
    @Param('linkId') linkId: string,
    @CurrentOperator() call: OperatorCall,
  ): Promise<void> {
    return this.links.revoke(id, linkId, call);
  }
}
