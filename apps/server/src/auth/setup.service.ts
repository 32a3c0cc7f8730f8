import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type Actor, SYSTEM_ACTOR } from '../common/actor';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { SetupAlreadyDoneException } from '../users/users.exceptions';
import { SetupTokenInvalidException } from './auth.exceptions';
import { SetupDto } from './dto/auth.dto';
import { secretsEqual } from '../common/secrets';

/**
 * Creates the first administrator. Never through an open page: either from
 * FLEETDESK_ADMIN_EMAIL/PASSWORD at first start, or by a request carrying the one-time token
 * this node printed to its log (the ScreenConnect CVE-2024-1709 lesson).
 */
@Injectable()
export class SetupService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');
  private setupToken?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const admin = this.config.bootstrapAdmin;
    if (admin) {
      try {
        await this.users.createFirstAdmin(
          SYSTEM_ACTOR,
          { email: admin.email, password: admin.password, displayName: 'Administrator' },
          'environment',
        );
        this.logger.log(
          `Created the first administrator ${admin.email} from FLEETDESK_ADMIN_EMAIL`,
        );
      } catch (error) {
        // Another replica got there first; that is the outcome we wanted.
        if (!(error instanceof SetupAlreadyDoneException)) throw error;
      }
      return;
    }
    this.setupToken = randomBytes(24).toString('base64url');
    this.logger.warn(
      `No administrator exists yet. One-time setup token: ${this.setupToken} ` +
        '(open the web console and enter it to create the first admin, or POST it to /api/setup; see the README)',
    );
  }

  async needsSetup(): Promise<boolean> {
    return (await this.users.count()) === 0;
  }

  /** The token this node printed, for tests that read it the way an operator reads the log. */
  pendingToken(): string | undefined {
    return this.setupToken;
  }

  async completeSetup(actor: Actor, dto: SetupDto): Promise<UserEntity> {
    if (!(await this.needsSetup())) throw new SetupAlreadyDoneException();
    if (!this.setupToken || !secretsEqual(dto.setupToken, this.setupToken)) {
      throw new SetupTokenInvalidException();
    }
    const user = await this.users.createFirstAdmin(
      actor,
      { email: dto.email, displayName: dto.displayName, password: dto.password },
      'setup_token',
    );
    this.setupToken = undefined;
    return user;
  }
}
