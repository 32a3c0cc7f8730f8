import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parsePublicKey } from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { ENROLLMENT_PREFIX, hashSecret, newSecret } from '../common/secrets';
import { DevicesService } from '../devices/devices.service';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { GroupNotFoundException } from '../devices/devices.exceptions';
import { GroupsTagsService } from '../devices/groups-tags.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { CreateEnrollmentTokenDto, EnrollDto, EnrollResponse } from './dto/enrollment.dto';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import {
  DeviceKeyInUseException,
  EnrollmentTokenNotFoundException,
  EnrollmentTokenRefusedException,
  InvalidDeviceKeyException,
} from './enrollment.exceptions';

@Injectable()
export class EnrollmentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly devices: DevicesService,
    private readonly telemetry: DeviceTelemetryService,
    private readonly groups: GroupsTagsService,
    private readonly serverKeys: ServerKeysService,
  ) {}

  list(): Promise<EnrollmentTokenEntity[]> {
    return this.dataSource
      .getRepository(EnrollmentTokenEntity)
      .find({ order: { createdAt: 'DESC' }, take: 500 });
  }

  async create(
    actor: Actor,
    dto: CreateEnrollmentTokenDto,
  ): Promise<{ token: EnrollmentTokenEntity; secret: string; serverKeySha256: string }> {
    if (dto.groupId && !(await this.groups.groupExists(dto.groupId)))
      throw new GroupNotFoundException(dto.groupId);
    const secret = newSecret(ENROLLMENT_PREFIX);
    const token = await this.dataSource.transaction(async (m) => {
      const saved = await m.save(
        EnrollmentTokenEntity,
        m.create(EnrollmentTokenEntity, {
          name: dto.name,
          tokenHash: hashSecret(secret),
          tokenPrefix: secret.slice(0, ENROLLMENT_PREFIX.length + 6),
          expiresAt: new Date(Date.now() + dto.expiresInHours * 3_600_000),
          maxUses: dto.maxUses ?? null,
          defaultTags: dto.tags ?? [],
          defaultGroupId: dto.groupId ?? null,
          createdBy: actor.userId,
        }),
      );
      await this.audit.record(m, actor, {
        action: 'enrollment_tokens.create',
        targetType: 'enrollment_token',
        targetId: saved.id,
        details: {
          name: saved.name,
          expiresAt: saved.expiresAt.toISOString(),
          maxUses: saved.maxUses,
        },
      });
      return saved;
    });
    // Shown beside the secret so the enroll command can pin this server's key from its first
    // contact (`--server-key-sha256`).
    return { token, secret, serverKeySha256: this.serverKeys.publicKeyFingerprint };
  }

  /** Revoking a token stops future enrollments only; devices enrolled with it stay connected. */
  async revoke(actor: Actor, id: string): Promise<EnrollmentTokenEntity> {
    return this.dataSource.transaction(async (m) => {
      const token = await m.findOne(EnrollmentTokenEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!token) throw new EnrollmentTokenNotFoundException(id);
      if (!token.revokedAt) {
        token.revokedAt = new Date();
        await m.save(EnrollmentTokenEntity, token);
      }
      await this.audit.record(m, actor, {
        action: 'enrollment_tokens.revoke',
        targetType: 'enrollment_token',
        targetId: id,
        details: { name: token.name },
      });
      return token;
    });
  }

  /**
   * The token behind a secret, if it could enroll a device right now (known, not revoked,
   * not expired, uses left); else the same refusal enrollment gives. Uses nothing up: for
   * routes a bare machine reaches with its token before enrolling (agent downloads).
   */
  async checkToken(secret: string): Promise<{ id: string; name: string }> {
    const token = await this.dataSource
      .getRepository(EnrollmentTokenEntity)
      .findOne({ where: { tokenHash: hashSecret(secret) } });
    if (!token) throw new EnrollmentTokenRefusedException('INVALID');
    if (token.revokedAt) throw new EnrollmentTokenRefusedException('REVOKED');
    if (token.expiresAt.getTime() <= Date.now())
      throw new EnrollmentTokenRefusedException('EXPIRED');
    if (token.maxUses !== null && token.uses >= token.maxUses)
      throw new EnrollmentTokenRefusedException('USED_UP');
    return { id: token.id, name: token.name };
  }

  async enroll(ip: string | null, dto: EnrollDto): Promise<EnrollResponse> {
    if (!parsePublicKey(dto.publicKey)) throw new InvalidDeviceKeyException();
    const publicKey = dto.publicKey.trim();
    const device = await this.dataSource.transaction(async (m) => {
      // The row lock makes "check uses, then count one" atomic across concurrent enrollments.
      const token = await m.findOne(EnrollmentTokenEntity, {
        where: { tokenHash: hashSecret(dto.token) },
        lock: { mode: 'pessimistic_write' },
      });
      if (!token) throw new EnrollmentTokenRefusedException('INVALID');
      if (token.revokedAt) throw new EnrollmentTokenRefusedException('REVOKED');
      if (token.expiresAt.getTime() <= Date.now())
        throw new EnrollmentTokenRefusedException('EXPIRED');
      if (token.maxUses !== null && token.uses >= token.maxUses)
        throw new EnrollmentTokenRefusedException('USED_UP');
      const [{ n }] = await m.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM device WHERE public_key = $1 AND revoked_at IS NULL`,
        [publicKey],
      );
      if (n > 0) throw new DeviceKeyInUseException();

      await m.increment(EnrollmentTokenEntity, { id: token.id }, 'uses', 1);
      const created = await this.devices.createEnrolled(m, {
        hostname: dto.facts.hostname,
        publicKey,
        os: dto.facts.os,
        agentVersion: dto.facts.agentVersion,
        groupId: token.defaultGroupId,
        tags: token.defaultTags,
        enrollmentTokenId: token.id,
      });
      await this.audit.record(
        m,
        { kind: 'device', userId: null, email: null, role: null, ip },
        {
          action: 'devices.enroll',
          targetType: 'device',
          targetId: created.id,
          details: {
            hostname: created.hostname,
            enrollmentTokenId: token.id,
            tokenName: token.name,
          },
        },
      );
      return created;
    });
    return {
      deviceId: device.id,
      serverPublicKey: this.serverKeys.publicKeyPem,
      heartbeatIntervalMs: this.telemetry.heartbeatIntervalMs,
    };
  }
}
