import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute, PageOf } from '../common/api-docs';
import { Roles } from '../common/auth.decorators';
import type { AuditEventResponse, Page } from '@fleetdesk/api-types';
import { AuditEventEntity } from './audit-event.entity';
import { AuditService, targetName } from './audit.service';
import { AuditEventResponse as AuditEventSchema } from './dto/audit-event.dto';
import { AuditQueryDto } from './dto/audit-query.dto';

export function toAuditEventResponse(
  e: AuditEventEntity,
  names: Map<string, string> = new Map(),
): AuditEventResponse {
  return {
    id: e.id,
    occurredAt: e.occurredAt.toISOString(),
    actor: { kind: e.actorKind, id: e.actorId, email: e.actorEmail },
    action: e.action,
    target: e.targetType ? { type: e.targetType, id: e.targetId } : null,
    targetName: targetName(e, names),
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
    const { items, total, names } = await this.audit.find(query);
    return {
      items: items.map((e) => toAuditEventResponse(e, names)),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}
