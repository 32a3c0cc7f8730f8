import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { UserEntity } from './user.entity';

/** Names users (by email, which is unique) in the audit list: one query per page. */
@Injectable()
export class UserAuditNames implements OnModuleInit {
  constructor(
    private readonly audit: AuditService,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
  ) {}

  onModuleInit(): void {
    this.audit.registerTargetNames('user', async (ids) => {
      const rows = await this.users.find({
        select: { id: true, email: true },
        where: { id: In(ids) },
      });
      return new Map(rows.map((u) => [u.id, u.email]));
    });
  }
}
