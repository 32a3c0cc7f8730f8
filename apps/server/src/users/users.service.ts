import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { isUniqueViolation } from '../common/sql';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { hashPassword, verifyPassword } from './password';
import { UserEntity } from './user.entity';
import {
  LastAdminException,
  SetupAlreadyDoneException,
  UserEmailTakenException,
  UserNotFoundException,
} from './users.exceptions';

/** Serialises first-admin creation across replicas. */
const FIRST_ADMIN_LOCK_KEY = 7_340_021_115;

@Injectable()
export class UsersService {
  private dummyHash?: Promise<string>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  count(): Promise<number> {
    return this.dataSource.getRepository(UserEntity).count();
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.dataSource
      .getRepository(UserEntity)
      .findOneBy({ email: email.trim().toLowerCase() });
  }

  async list(page: number, pageSize: number): Promise<{ items: UserEntity[]; total: number }> {
    const [items, total] = await this.dataSource.getRepository(UserEntity).findAndCount({
      order: { email: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    return { items, total };
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw new UserNotFoundException(id);
    return user;
  }

  /**
   * Checks an email/password pair. Unknown emails still pay for one hash, so response time
   * does not reveal which accounts exist.
   */
  async verifyCredentials(
    email: string,
    password: string,
  ): Promise<{ user: UserEntity | null; ok: boolean }> {
    const user = await this.findByEmail(email);
    if (!user) {
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.dummyHash);
      return { user: null, ok: false };
    }
    return { user, ok: await verifyPassword(password, user.passwordHash) };
  }

  async create(actor: Actor, dto: CreateUserDto): Promise<UserEntity> {
    const passwordHash = await hashPassword(dto.password);
    try {
      return await this.dataSource.transaction(async (m) => {
        const user = await this.insert(m, { ...dto, passwordHash });
        await this.audit.record(m, actor, {
          action: 'users.create',
          targetType: 'user',
          targetId: user.id,
          details: { email: user.email, role: user.role },
        });
        return user;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserEmailTakenException(dto.email);
      throw error;
    }
  }

  /**
   * Creates the first administrator, and only while no user exists: the check and the insert
   * run under one advisory lock, so two racing setup requests cannot both succeed.
   */
  async createFirstAdmin(
    actor: Actor,
    dto: Omit<CreateUserDto, 'role'>,
    via: 'setup_token' | 'environment',
  ): Promise<UserEntity> {
    const passwordHash = await hashPassword(dto.password);
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK_KEY]);
      if ((await m.count(UserEntity)) > 0) throw new SetupAlreadyDoneException();
      const user = await this.insert(m, {
        email: dto.email.trim().toLowerCase(),
        displayName: dto.displayName,
        role: 'admin',
        passwordHash,
      });
      await this.audit.record(m, actor, {
        action: 'users.create_first_admin',
        targetType: 'user',
        targetId: user.id,
        details: { email: user.email, via },
      });
      return user;
    });
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserEntity> {
    const passwordHash = dto.password === undefined ? undefined : await hashPassword(dto.password);
    return this.dataSource.transaction(async (m) => {
      const user = await m.findOne(UserEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!user) throw new UserNotFoundException(id);
      const losesAdmin =
        user.role === 'admin' &&
        !user.disabled &&
        ((dto.role !== undefined && dto.role !== 'admin') || dto.disabled === true);
      if (losesAdmin) await this.assertAnotherAdmin(m, id);

      const changed: string[] = [];
      if (dto.displayName !== undefined && dto.displayName !== user.displayName) {
        user.displayName = dto.displayName;
        changed.push('displayName');
      }
      if (dto.role !== undefined && dto.role !== user.role) {
        user.role = dto.role;
        changed.push('role');
      }
      if (dto.disabled !== undefined && dto.disabled !== user.disabled) {
        user.disabled = dto.disabled;
        changed.push('disabled');
      }
      if (passwordHash !== undefined) {
        user.passwordHash = passwordHash;
        changed.push('password');
      }
      // Changing the password or disabling the account ends every session made before now.
      if (changed.includes('password') || dto.disabled === true)
        user.credentialsChangedAt = new Date();
      const saved = await m.save(UserEntity, user);
      await this.audit.record(m, actor, {
        action: 'users.update',
        targetType: 'user',
        targetId: id,
        details: {
          changed,
          ...(changed.includes('role') ? { role: user.role } : {}),
          ...(changed.includes('disabled') ? { disabled: user.disabled } : {}),
        },
      });
      return saved;
    });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const user = await m.findOne(UserEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!user) throw new UserNotFoundException(id);
      if (user.role === 'admin' && !user.disabled) await this.assertAnotherAdmin(m, id);
      await m.delete(UserEntity, { id });
      await this.audit.record(m, actor, {
        action: 'users.delete',
        targetType: 'user',
        targetId: id,
        details: { email: user.email, role: user.role },
      });
    });
  }

  /** Called inside the login transaction owned by the auth module. */
  async markLoggedIn(m: EntityManager, id: string): Promise<void> {
    await m.update(UserEntity, { id }, { lastLoginAt: () => 'now()' });
  }

  private async insert(
    m: EntityManager,
    values: Pick<UserEntity, 'email' | 'displayName' | 'role' | 'passwordHash'>,
  ): Promise<UserEntity> {
    const user = m.create(UserEntity, values);
    return m.save(UserEntity, user);
  }

  private async assertAnotherAdmin(m: EntityManager, exceptId: string): Promise<void> {
    // Lock every admin row so two concurrent demotions cannot each see the other as "another".
    const admins = await m
      .createQueryBuilder(UserEntity, 'u')
      .setLock('pessimistic_write')
      .where(`u.role = 'admin' AND u.disabled = false AND u.id <> :id`, { id: exceptId })
      .getMany();
    if (admins.length === 0) throw new LastAdminException();
  }
}
