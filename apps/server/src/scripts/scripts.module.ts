import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { BuiltinScriptsService } from './builtin-scripts.service';
import { ScriptVersionEntity } from './script-version.entity';
import { ScriptEntity } from './script.entity';
import { ScriptsController } from './scripts.controller';
import { ScriptsService } from './scripts.service';

@Module({
  imports: [TypeOrmModule.forFeature([ScriptEntity, ScriptVersionEntity]), AuditModule],
  controllers: [ScriptsController],
  providers: [
    ScriptsService,
    BuiltinScriptsService,
    // Archived scripts too: the audit trail outlives them.
    auditTargetNames('script', ScriptEntity, ['name'], (s) => s.name),
  ],
  exports: [ScriptsService],
})
export class ScriptsModule {}
