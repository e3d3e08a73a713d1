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
  ApiTags,
} from '../../openapi/doc-decorators.js';
import { AuditService } from '../audit/audit.service.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { ApiCookieAuth } from '../../openapi/doc-decorators.js';
import { CurrentOperator, type OperatorCall } from '../console-auth/operator-call.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { AdminErrors } from './admin-api.decorators.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import {
  AdminRequestPipe,
  CreateApiKeyBody,
  CreateTenantBody,
  ListAuditEventsQuery,
  RenameTenantBody,
} from './dto/admin-requests.dto.js';
import {
  ApiKeyDto,
  AuditEventPageDto,
  CreatedApiKeyDto,
  CreatedTenantDto,
  TenantDto,
} from './dto/admin-responses.dto.js';

// Each request class checks its own body or query (a SCIM 400 on a wrong or unknown field).
const validate = new AdminRequestPipe();

/** The operator API: tenants, their API keys and their audit trail. */
@ApiTags('admin')
@ApiBearerAuth('adminToken')
@ApiCookieAuth('consoleSession')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1')
export class AdminController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  @Post('tenants')
  @ApiOperation({ summary: 'Create a tenant and its first API key (shown once)' })
  @ApiCreatedResponse({ type: CreatedTenantDto, description: 'The tenant and its first API key' })
  @AdminErrors({ validates: true, body: true })
  createTenant(
    @Body(validate) body: CreateTenantBody,
    @CurrentOperator() call: OperatorCall,
  ): Promise<CreatedTenantDto> {
    // The new tenant's trail starts with its creation (a deletion takes the trail with it).
    return this.tenants.create(body.name.trim(), (tx, tenantId) =>
      this.audit.recordOperator(tx, tenantId, call, {
        operation: 'create',
        resourceType: 'Tenant',
        resourceId: tenantId,
        attributes: ['name'],
      }),
    );
  }

  @Get('tenants')
  @ApiOperation({ summary: 'List tenants' })
  @ApiOkResponse({ type: [TenantDto] })
  @AdminErrors()
  listTenants(): Promise<TenantDto[]> {
    return this.tenants.list();
  }

  @Get('tenants/:id')
  @ApiOperation({ summary: 'Get a tenant' })
  @ApiOkResponse({ type: TenantDto })
  @AdminErrors({ notFound: 'there is no such tenant' })
  getTenant(@Param('id') id: string): Promise<TenantDto> {
    return this.tenants.get(id);
  }

  @Patch('tenants/:id')
  @ApiOperation({ summary: 'Rename a tenant' })
  @ApiOkResponse({ type: TenantDto })
  @AdminErrors({ validates: true, body: true, notFound: 'there is no such tenant' })
  @ApiBody({ type: RenameTenantBody })
  renameTenant(
    @Param('id') id: string,
    @Body(validate) body: RenameTenantBody,
    @CurrentOperator() call: OperatorCall,
  ): Promise<TenantDto> {
    return this.tenants.rename(id, body.name.trim(), (tx) =>
      this.audit.recordOperator(tx, id, call, {
        operation: 'patch',
        resourceType: 'Tenant',
        resourceId: id.toLowerCase(),
        attributes: ['name'],
      }),
    );
  }

  @Delete('tenants/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a tenant with all its keys, users, groups and audit trail' })
  @ApiNoContentResponse({ description: 'Deleted; its keys stop working at once' })
  @AdminErrors({ notFound: 'there is no such tenant' })
  deleteTenant(@Param('id') id: string): Promise<void> {
    return this.tenants.delete(id);
  }

  @Post('tenants/:id/api-keys')
  @ApiOperation({ summary: 'Create an API key for a tenant (shown once)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @AdminErrors({ validates: true, body: true, notFound: 'there is no such tenant' })
  @ApiBody({ type: CreateApiKeyBody, required: false })
  createApiKey(
    @Param('id') id: string,
    @Body(validate) body: CreateApiKeyBody,
    @CurrentOperator() call: OperatorCall,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(
      id,
      { name: body.name?.trim(), expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
      (tx, keyId) =>
        this.audit.recordOperator(tx, id, call, {
          operation: 'create',
          resourceType: 'ApiKey',
          resourceId: keyId,
          attributes: ['name', 'expiresAt'],
        }),
    );
  }

  @Get('tenants/:id/api-keys')
  @ApiOperation({ summary: "List a tenant's API keys (never their secrets)" })
  @ApiOkResponse({ type: [ApiKeyDto] })
  @AdminErrors({ notFound: 'there is no such tenant' })
  listApiKeys(@Param('id') id: string): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(id);
  }

  @Delete('tenants/:id/api-keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse({ description: 'Revoked; the key is refused from the next request on' })
  @AdminErrors({ notFound: 'the tenant has no such key' })
  revokeApiKey(
    @Param('id') id: string,
    @Param('keyId') keyId: string,
    @CurrentOperator() call: OperatorCall,
  ): Promise<void> {
    return this.apiKeys.revoke(id, keyId, (tx) =>
      this.audit.recordOperator(tx, id, call, {
        operation: 'delete',
        resourceType: 'ApiKey',
        resourceId: keyId.toLowerCase(),
        attributes: [],
      }),
    );
  }

  @Get('tenants/:id/audit-events')
  @ApiOperation({
    summary:
      "List a tenant's audit trail (SCIM writes, and changes made through the operator API or the console), newest first",
  })
  @ApiOkResponse({ type: AuditEventPageDto, description: 'SCIM writes of the tenant, newest first' })
  @AdminErrors({ validates: true, notFound: 'there is no such tenant' })
  listAuditEvents(
    @Param('id') id: string,
    @Query(validate) query: ListAuditEventsQuery,
  ): Promise<AuditEventPageDto> {
    return this.audit.list(id, {
      cursor: query.cursor,
      limit: query.limit,
      resourceType: query.resourceType,
      resourceId: query.resourceId,
      operation: query.operation,
    });
  }
}
