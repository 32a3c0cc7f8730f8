import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ScriptAuditNames } from './script-audit-names';
import { BuiltinScriptsService } from './builtin-scripts.service';
import { ScriptVersionEntity } from './script-version.entity';
import { ScriptEntity } from './script.entity';
import { ScriptsController } from './scripts.controller';
import { ScriptsService } from './scripts.service';

@Module({
  imports: [TypeOrmModule.forFeature([ScriptEntity, ScriptVersionEntity]), AuditModule],
  controllers: [ScriptsController],
  providers: [ScriptsService, BuiltinScriptsService, ScriptAuditNames],
  exports: [ScriptsService],
})
export class ScriptsModule {}
