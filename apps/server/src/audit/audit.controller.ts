import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, PageOf } from '../common/api-docs';
import { Roles } from '../common/auth.decorators';
import type { AuditEventResponse, Page } from '@fleetdesk/api-types';
import { AuditEventEntity } from './audit-event.entity';
import { AuditService } from './audit.service';
import { AuditEventResponse as AuditEventSchema } from './dto/audit-event.dto';
import { AuditQueryDto } from './dto/audit-query.dto';

export function toAuditEventResponse(e: AuditEventEntity): AuditEventResponse {
  return {
    id: e.id,
    occurredAt: e.occurredAt.toISOString(),
    actor: { kind: e.actorKind, id: e.actorId, email: e.actorEmail },
    action: e.action,
    target: e.targetType ? { type: e.targetType, id: e.targetId } : null,
    details: e.details,
    sourceIp: e.sourceIp,
  };
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @ApiRoute('List audit events, newest first', { type: PageOf(AuditEventSchema) })
  @Get()
  @Roles('admin')
  async list(@Query() query: AuditQueryDto): Promise<Page<AuditEventResponse>> {
    const { items, total } = await this.audit.find(query);
    return {
      items: items.map(toAuditEventResponse),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}
