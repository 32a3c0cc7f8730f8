import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AccountLockedException } from './auth.exceptions';
import { LoginThrottleEntity } from './login-throttle.entity';

/** The longest lock, and how long after its last failure an account's count is forgotten. */
export const MAX_LOCK_MS = 3_600_000;
export const FORGET_AFTER_MS = 3_600_000;

/** Normalised like UsersService.findByEmail, so "Admin@X" and "admin@x" share one count. */
const accountKey = (email: string) => email.trim().toLowerCase();

/**
 * Failed sign-ins per account, in the database so every server process sees the same count.
 * After `failures` failures an account's password attempts are refused for the lock time,
 * which doubles with each further failure up to an hour: guessing one password slows to a
 * crawl while other accounts, and the same account's API tokens, are untouched. The per-IP
 * limit (ThrottlerGuard, in memory per process) still caps what one client can try overall.
 * Unknown emails are counted the same way, so a lock does not tell whether an account exists.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws AccountLockedException while the account is locked; checked before the password. */
  async assertNotLocked(email: string, now = new Date()): Promise<void> {
    const row = await this.dataSource
      .getRepository(LoginThrottleEntity)
      .findOneBy({ account: accountKey(email) });
    if (row?.lockedUntil && row.lockedUntil > now) {
      throw new AccountLockedException(
        Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 1000),
      );
    }
  }

  /** Counts a failure; locks the account once it reaches the limit. */
  async recordFailure(email: string, now = new Date()): Promise<void> {
    const account = accountKey(email);
    const { failures: limit, lockMs } = this.config.loginAccountLimit;
    await this.dataSource.transaction(async (m) => {
      // Two nodes failing the same account at once: the insert makes the row exist, the row
      // lock serialises the read-modify-write.
      await m
        .createQueryBuilder()
        .insert()
        .into(LoginThrottleEntity)
        .values({ account, failures: 0, lastFailureAt: now, lockedUntil: null })
        .orIgnore()
        .execute();
      const row = await m.findOneOrFail(LoginThrottleEntity, {
        where: { account },
        lock: { mode: 'pessimistic_write' },
      });
      const forgotten = now.getTime() - row.lastFailureAt.getTime() > FORGET_AFTER_MS;
      const failures = (forgotten ? 0 : row.failures) + 1;
      const lockFor =
        failures >= limit ? Math.min(lockMs * 2 ** Math.min(failures - limit, 20), MAX_LOCK_MS) : 0;
      await m.update(
        LoginThrottleEntity,
        { account },
        {
          failures,
          lastFailureAt: now,
          lockedUntil: lockFor > 0 ? new Date(now.getTime() + lockFor) : row.lockedUntil,
        },
      );
      // Keeps the table to the accounts tried in the last hour.
      await m.delete(LoginThrottleEntity, {
        lastFailureAt: LessThan(new Date(now.getTime() - FORGET_AFTER_MS - MAX_LOCK_MS)),
      });
    });
  }

  /** A successful sign-in clears the account's count. */
  async recordSuccess(email: string): Promise<void> {
    await this.dataSource.getRepository(LoginThrottleEntity).delete({ account: accountKey(email) });
  }
}
