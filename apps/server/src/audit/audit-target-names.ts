import type { FactoryProvider } from '@nestjs/common';
import { getRepositoryToken } from '@nestjs/typeorm';
import { In, type FindOptionsWhere, type Repository } from 'typeorm';
import { AuditService } from './audit.service';

/**
 * A provider that teaches the audit list the names of one feature's targets. The feature
 * lists it among its own providers and says which of its columns make the name, so the audit
 * module never reads another module's tables; the lookup is one query per page of events.
 */
export function auditTargetNames<T extends { id: string }, K extends keyof T & string>(
  targetType: string,
  entity: new () => T,
  columns: readonly K[],
  nameOf: (row: Pick<T, 'id' | K>) => string,
): FactoryProvider {
  return {
    provide: `audit-target-names:${targetType}`,
    inject: [AuditService, getRepositoryToken(entity)],
    useFactory: (audit: AuditService, rows: Repository<T>) => {
      audit.registerTargetNames(targetType, async (ids) => {
        const found = await rows.find({
          select: ['id', ...columns],
          where: { id: In(ids) } as FindOptionsWhere<T>,
        });
        return new Map(found.map((row) => [row.id, nameOf(row)]));
      });
      return targetType;
    },
  };
}
