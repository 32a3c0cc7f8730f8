import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { JobEntity } from './job.entity';

/** Names jobs in the audit list: one query per page. */
@Injectable()
export class JobAuditNames implements OnModuleInit {
  constructor(
    private readonly audit: AuditService,
    @InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>,
  ) {}

  onModuleInit(): void {
    this.audit.registerTargetNames('job', async (ids) => {
      const rows = await this.jobs.find({
        select: { id: true, name: true },
        where: { id: In(ids) },
      });
      return new Map(rows.map((j) => [j.id, j.name]));
    });
  }
}
