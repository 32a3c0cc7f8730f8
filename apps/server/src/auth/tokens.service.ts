import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { ApiTokenEntity } from './api-token.entity';
import { TokenAlreadyRevokedException, TokenNotFoundException } from './auth.exceptions';
import { CreateApiTokenDto } from './dto/auth.dto';
import { API_TOKEN_PREFIX, hashSecret, newSecret } from '../common/secrets';

@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  list(userId: string): Promise<ApiTokenEntity[]> {
    return this.dataSource
      .getRepository(ApiTokenEntity)
      .find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  async create(
    actor: Actor,
    userId: string,
    dto: CreateApiTokenDto,
  ): Promise<{ token: ApiTokenEntity; secret: string }> {
    const secret = newSecret(API_TOKEN_PREFIX);
    const token = await this.dataSource.transaction(async (m) => {
      const saved = await m.save(
        ApiTokenEntity,
        m.create(ApiTokenEntity, {
          userId,
          name: dto.name,
          tokenHash: hashSecret(secret),
          tokenPrefix: secret.slice(0, API_TOKEN_PREFIX.length + 6),
          expiresAt: dto.expiresInDays
            ? new Date(Date.now() + dto.expiresInDays * 86_400_000)
            : null,
        }),
      );
      await this.audit.record(m, actor, {
        action: 'tokens.create',
        targetType: 'api_token',
        targetId: saved.id,
        details: { name: saved.name, expiresAt: saved.expiresAt?.toISOString() ?? null },
      });
      return saved;
    });
    return { token, secret };
  }

  /** Revokes one of the caller's tokens; admins may revoke anyone's. */
  async revoke(
    actor: Actor,
    id: string,
    ownerId: string,
    isAdmin: boolean,
  ): Promise<ApiTokenEntity> {
    return this.dataSource.transaction(async (m) => {
      const token = await m.findOne(ApiTokenEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!token || (!isAdmin && token.userId !== ownerId)) throw new TokenNotFoundException(id);
      if (token.revokedAt) throw new TokenAlreadyRevokedException(id);
      token.revokedAt = new Date();
      const saved = await m.save(ApiTokenEntity, token);
      await this.audit.record(m, actor, {
        action: 'tokens.revoke',
        targetType: 'api_token',
        targetId: id,
        details: { name: token.name, ownerId: token.userId },
      });
      return saved;
    });
  }
}
