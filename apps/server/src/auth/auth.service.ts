import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { Principal } from '../common/auth.decorators';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { ApiTokenEntity } from './api-token.entity';
import { LoginFailedException } from './auth.exceptions';
import { API_TOKEN_PREFIX, hashSecret, newSecret, SESSION_PREFIX } from '../common/secrets';
import { LoginThrottleService } from './login-throttle.service';
import { SessionEntity } from './session.entity';

export interface LoginResult {
  accessToken: string;
  expiresAt: Date;
  user: UserEntity;
}

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
  ) {}

  async login(
    actor: Actor,
    email: string,
    password: string,
    userAgent: string | null,
  ): Promise<LoginResult> {
    await this.throttle.assertNotLocked(email);
    const { user, ok } = await this.users.verifyCredentials(email, password);
    if (!user || !ok || user.disabled) {
      await this.throttle.recordFailure(email);
      const reason = !user ? 'unknown_email' : !ok ? 'bad_password' : 'disabled';
      await this.dataSource.transaction((m) =>
        this.audit.record(m, actor, {
          action: 'auth.login_failed',
          targetType: user ? 'user' : undefined,
          targetId: user?.id,
          details: { email, reason },
        }),
      );
      throw new LoginFailedException();
    }
    await this.throttle.recordSuccess(email);
    const accessToken = newSecret(SESSION_PREFIX);
    const expiresAt = new Date(Date.now() + this.config.sessionTtlMs);
    await this.dataSource.transaction(async (m) => {
      await m.delete(SessionEntity, { userId: user.id, expiresAt: LessThan(new Date()) });
      const session = await m.save(
        SessionEntity,
        m.create(SessionEntity, {
          userId: user.id,
          tokenHash: hashSecret(accessToken),
          sourceIp: actor.ip,
          userAgent: userAgent?.slice(0, 512) ?? null,
          expiresAt,
        }),
      );
      await this.users.markLoggedIn(m, user.id);
      await this.audit.record(
        m,
        { ...actor, kind: 'user', userId: user.id, email: user.email, role: user.role },
        { action: 'auth.login', targetType: 'session', targetId: session.id },
      );
    });
    return { accessToken, expiresAt, user };
  }

  async logout(actor: Actor, principal: Principal): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (principal.via === 'session')
        await m.delete(SessionEntity, { id: principal.credentialId });
      await this.audit.record(m, actor, {
        action: 'auth.logout',
        targetType: principal.via === 'session' ? 'session' : 'api_token',
        targetId: principal.credentialId,
      });
    });
  }

  /** Resolves a bearer secret to the user behind it, re-checking the account on every request. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (secret.startsWith(SESSION_PREFIX)) return this.authenticateSession(secret);
    if (secret.startsWith(API_TOKEN_PREFIX)) return this.authenticateApiToken(secret);
    return null;
  }

  private async authenticateSession(secret: string): Promise<Principal | null> {
    const session = await this.dataSource
      .getRepository(SessionEntity)
      .findOneBy({ tokenHash: hashSecret(secret) });
    if (!session || session.expiresAt.getTime() <= Date.now()) return null;
    const user = await this.users.findById(session.userId);
    if (!user || user.disabled || session.createdAt < user.credentialsChangedAt) return null;
    return this.principal(user, 'session', session.id);
  }

  private async authenticateApiToken(secret: string): Promise<Principal | null> {
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    const token = await repo.findOneBy({ tokenHash: hashSecret(secret) });
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt.getTime() <= Date.now()))
      return null;
    const user = await this.users.findById(token.userId);
    if (!user || user.disabled) return null;
    // At most one write a minute per token, however busy the automation using it is.
    await repo
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where(`id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, {
        id: token.id,
      })
      .execute();
    return this.principal(user, 'api_token', token.id);
  }

  private principal(user: UserEntity, via: Principal['via'], credentialId: string): Principal {
    return {
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      via,
      credentialId,
    };
  }
}
