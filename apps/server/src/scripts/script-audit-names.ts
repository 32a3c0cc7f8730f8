import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ScriptEntity } from './script.entity';

/** Names scripts (archived ones too) in the audit list: one query per page. */
@Injectable()
export class ScriptAuditNames implements OnModuleInit {
  constructor(
    private readonly audit: AuditService,
    @InjectRepository(ScriptEntity) private readonly scripts: Repository<ScriptEntity>,
  ) {}

  onModuleInit(): void {
    this.audit.registerTargetNames('script', async (ids) => {
      const rows = await this.scripts.find({
        select: { id: true, name: true },
        where: { id: In(ids) },
      });
      return new Map(rows.map((s) => [s.id, s.name]));
    });
  }
}
