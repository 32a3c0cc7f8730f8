import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServerKeyEntity } from './server-key.entity';
import { ServerKeysService } from './server-keys.service';

@Module({
  imports: [TypeOrmModule.forFeature([ServerKeyEntity])],
  providers: [ServerKeysService],
  exports: [ServerKeysService],
})
export class ServerKeysModule {}
