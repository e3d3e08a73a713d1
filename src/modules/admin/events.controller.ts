import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '../../openapi/doc-decorators.js';
import { EventsService } from '../events/events.service.js';
import { AdminErrors, AdminGoneError } from './admin-api.decorators.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminRequestPipe } from './dto/admin-requests.dto.js';
import { ChangeEventPageDto, ListEventsQuery } from './dto/events.dto.js';

const validate = new AdminRequestPipe();

/** The events API of the operator API: change events, oldest first, resumable (docs/events.md). */
@ApiTags('events')
@ApiBearerAuth('adminToken')
@ApiCookieAuth('consoleSession')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('tenants/:id/events')
  @ApiOperation({
    summary: "A tenant's change events, oldest first; poll with after=nextCursor (never misses one)",
  })
  @ApiOkResponse({ type: ChangeEventPageDto })
  @AdminErrors({ validates: true, notFound: 'there is no such tenant' })
  @AdminGoneError()
  listTenantEvents(
    @Param('id') id: string,
    @Query(validate) query: ListEventsQuery,
  ): Promise<ChangeEventPageDto> {
    return this.events.listTenant(id, query);
  }

  @Get('events')
  @ApiOperation({
    summary: "Every tenant's change events, oldest first; poll with after=nextCursor (never misses one)",
  })
  @ApiOkResponse({ type: ChangeEventPageDto })
  @AdminErrors({ validates: true })
  @AdminGoneError()
  listEvents(@Query(validate) query: ListEventsQuery): Promise<ChangeEventPageDto> {
    return this.events.listAll(query);
  }
}
