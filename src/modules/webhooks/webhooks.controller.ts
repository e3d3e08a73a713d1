import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '../../openapi/doc-decorators.js';
import { ScimError } from '../../domain/errors.js';
import { AdminErrors } from '../admin/admin-api.decorators.js';
import { AdminTokenGuard } from '../admin/admin-token.guard.js';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointBody,
  ListAttemptsQuery,
  RedeliverBody,
  RedeliveryDto,
  RotatedWebhookSecretDto,
  RotateWebhookSecretBody,
  UpdateWebhookEndpointBody,
  WebhookAttemptDto,
  WebhookAttemptPageDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './dto/webhooks.dto.js';
import { ATTEMPTS_PAGE_MAX, WebhooksService } from './webhooks.service.js';

const ENDPOINT_NOT_FOUND = 'there is no such webhook endpoint';

/** Webhook endpoints of the operator API (docs/events.md, "Webhooks"). */
@ApiTags('webhooks')
@ApiBearerAuth('adminToken')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('tenants/:id/webhook-endpoints')
  @ApiOperation({ summary: "Create a webhook endpoint for a tenant's events (its secret is shown once)" })
  @ApiBody({ type: CreateWebhookEndpointBody })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @AdminErrors({ validates: true, body: true, notFound: 'there is no such tenant' })
  createTenantWebhookEndpoint(
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(id, body);
  }

  @Get('tenants/:id/webhook-endpoints')
  @ApiOperation({ summary: "List a tenant's webhook endpoints (never their secrets)" })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  @AdminErrors({ notFound: 'there is no such tenant' })
  listTenantWebhookEndpoints(@Param('id') id: string): Promise<WebhookEndpointListDto> {
    return this.webhooks.list(id);
  }

  @Post('webhook-endpoints')
  @ApiOperation({ summary: "Create a webhook endpoint for every tenant's events (its secret is shown once)" })
  @ApiBody({ type: CreateWebhookEndpointBody })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @AdminErrors({ validates: true, body: true })
  createWebhookEndpoint(@Body() body: unknown): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(null, body);
  }

  @Get('webhook-endpoints')
  @ApiOperation({ summary: "List every webhook endpoint: every tenant's (tenantId null) and each tenant's" })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  @AdminErrors()
  listWebhookEndpoints(): Promise<WebhookEndpointListDto> {
    return this.webhooks.list();
  }

  @Get('webhook-endpoints/:endpointId')
  @ApiOperation({ summary: 'Get a webhook endpoint (with disabledReason when it is disabled)' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @AdminErrors({ notFound: ENDPOINT_NOT_FOUND })
  getWebhookEndpoint(@Param('endpointId') endpointId: string): Promise<WebhookEndpointDto> {
    return this.webhooks.get(endpointId);
  }

  @Patch('webhook-endpoints/:endpointId')
  @ApiOperation({ summary: 'Change url, eventTypes, description, or disable / enable a webhook endpoint' })
  @ApiBody({ type: UpdateWebhookEndpointBody })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @AdminErrors({ validates: true, body: true, notFound: ENDPOINT_NOT_FOUND })
  updateWebhookEndpoint(
    @Param('endpointId') endpointId: string,
    @Body() body: unknown,
  ): Promise<WebhookEndpointDto> {
    return this.webhooks.update(endpointId, body);
  }

  @Delete('webhook-endpoints/:endpointId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint with its pending deliveries and attempt log' })
  @ApiNoContentResponse({ description: 'Deleted; nothing more is sent to it' })
  @AdminErrors({ notFound: ENDPOINT_NOT_FOUND })
  deleteWebhookEndpoint(@Param('endpointId') endpointId: string): Promise<void> {
    return this.webhooks.delete(endpointId);
  }

  @Post('webhook-endpoints/:endpointId/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rotate the signing secret (the new one is shown once; the old one also signs for a grace period)',
  })
  @ApiBody({ type: RotateWebhookSecretBody, required: false })
  @ApiOkResponse({ type: RotatedWebhookSecretDto })
  @AdminErrors({ validates: true, body: true, notFound: ENDPOINT_NOT_FOUND })
  rotateWebhookSecret(
    @Param('endpointId') endpointId: string,
    @Body() body: unknown,
  ): Promise<RotatedWebhookSecretDto> {
    return this.webhooks.rotate(endpointId, body);
  }

  @Post('webhook-endpoints/:endpointId/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a webhook.test event now and answer the attempt (also to a disabled endpoint)',
  })
  @ApiOkResponse({ type: WebhookAttemptDto, description: 'The attempt, as logged (a failed one too)' })
  @AdminErrors({ notFound: ENDPOINT_NOT_FOUND })
  testWebhookEndpoint(@Param('endpointId') endpointId: string): Promise<WebhookAttemptDto> {
    return this.webhooks.test(endpointId);
  }

  @Get('webhook-endpoints/:endpointId/attempts')
  @ApiOperation({ summary: "A webhook endpoint's delivery attempts, newest first" })
  @ApiOkResponse({ type: WebhookAttemptPageDto })
  @AdminErrors({ validates: true, notFound: ENDPOINT_NOT_FOUND })
  listWebhookAttempts(
    @Param('endpointId') endpointId: string,
    @Query() query: ListAttemptsQuery,
  ): Promise<WebhookAttemptPageDto> {
    return this.webhooks.attempts(endpointId, parseAttemptsQuery(query));
  }

  @Post('webhook-endpoints/:endpointId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send one event (eventId) or every event since a time (since) to the endpoint again',
  })
  @ApiBody({ type: RedeliverBody })
  @ApiResponse({ status: 202, type: RedeliveryDto, description: 'Queued; delivered in order by the worker' })
  @AdminErrors({ validates: true, body: true, notFound: `${ENDPOINT_NOT_FOUND}, or no such event of it` })
  redeliverWebhookEvents(
    @Param('endpointId') endpointId: string,
    @Body() body: unknown,
  ): Promise<RedeliveryDto> {
    return this.webhooks.redeliver(endpointId, body);
  }
}

function parseAttemptsQuery(value: unknown): { before?: string; limit?: number } {
  const fields = (value ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => key !== 'before' && key !== 'limit');
  if (unknown.length > 0) {
    throw ScimError.badRequest('invalidValue', `unknown query parameter(s): ${unknown.join(', ')}`);
  }
  const query: { before?: string; limit?: number } = {};
  if (fields.before !== undefined) {
    if (typeof fields.before !== 'string' || !/^\d{1,19}$/.test(fields.before)) {
      throw ScimError.badRequest('invalidCursor', 'before must be the nextCursor of a previous page');
    }
    query.before = fields.before;
  }
  if (fields.limit !== undefined) {
    const limit = typeof fields.limit === 'string' && /^\d+$/.test(fields.limit) ? Number(fields.limit) : NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > ATTEMPTS_PAGE_MAX) {
      throw ScimError.badRequest('invalidValue', `limit must be an integer from 1 to ${ATTEMPTS_PAGE_MAX}`);
    }
    query.limit = limit;
  }
  return query;
}
