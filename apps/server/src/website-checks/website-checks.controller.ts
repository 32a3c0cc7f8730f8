import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type {
  Page,
  WebsiteCheckLocationsResponse,
  WebsiteCheckResponse,
  WebsiteCheckResult,
} from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import * as dto from './dto/website-check-response.dto';
import {
  CreateWebsiteCheckDto,
  UpdateWebsiteCheckDto,
  WebsiteCheckResultsQueryDto,
} from './dto/website-check.dto';
import { WebsiteChecksService } from './website-checks.service';

/**
 * Changing a check is for admins: the server fetches the URL from inside its own network
 * (see probe.ts on what is refused).
 */
@ApiTags('website-checks')
@Controller('website-checks')
export class WebsiteChecksController {
  constructor(private readonly checks: WebsiteChecksService) {}

  @ApiRoute('Create a website check', {
    status: 201,
    type: dto.WebsiteCheckResponse,
    errors: [400],
  })
  @Post()
  @Roles('admin')
  create(
    @CurrentActor() actor: Actor,
    @Body() body: CreateWebsiteCheckDto,
  ): Promise<WebsiteCheckResponse> {
    return this.checks.create(actor, body);
  }

  @ApiRoute('List website checks, newest first', { type: PageOf(dto.WebsiteCheckResponse) })
  @Get()
  list(@Query() q: PageQueryDto): Promise<Page<WebsiteCheckResponse>> {
    return this.checks.list(q);
  }

  @ApiRoute('A website check', { type: dto.WebsiteCheckResponse, errors: [404] })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<WebsiteCheckResponse> {
    return this.checks.get(id);
  }

  @ApiRoute('Change a website check (it runs again at once)', {
    type: dto.WebsiteCheckResponse,
    errors: [400, 404],
  })
  @Patch(':id')
  @Roles('admin')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateWebsiteCheckDto,
  ): Promise<WebsiteCheckResponse> {
    return this.checks.update(actor, id, body);
  }

  @ApiRoute('Delete a website check; its open alert resolves', { status: 204, errors: [404] })
  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.checks.remove(actor, id);
  }

  @ApiRoute('Results and response times, newest first, of every location or of one', {
    type: PageOf(dto.WebsiteCheckResult),
    errors: [400, 404],
  })
  @Get(':id/results')
  results(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: WebsiteCheckResultsQueryDto,
  ): Promise<Page<WebsiteCheckResult>> {
    return this.checks.results(id, q);
  }

  @ApiRoute('Where the check runs from (the server, chosen devices), each with its latest result', {
    type: dto.WebsiteCheckLocationsResponse,
    errors: [404],
  })
  @Get(':id/locations')
  locations(@Param('id', ParseUUIDPipe) id: string): Promise<WebsiteCheckLocationsResponse> {
    return this.checks.locations(id);
  }
}
