import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isEd25519PublicKeyPem } from '@fleetdesk/protocol';
import { DataSource, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { writeBatch } from '../common/batch-write';
import { GroupCommit, type Outcome } from '../common/group-commit';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ENROLLMENT_PREFIX, hashSecret, newSecret } from '../common/secrets';
import { DevicesService } from '../devices/devices.service';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { GroupNotFoundException } from '../devices/devices.exceptions';
import { GroupsTagsService } from '../devices/groups-tags.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { CreateEnrollmentTokenDto, EnrollDto, EnrollResponse } from './dto/enrollment.dto';
import {
  addressKey,
  ENROLL_REPEAT_WINDOW_SECONDS,
  planAdmissions,
  type AdmissionRequest,
  type FailureState,
  type TokenState,
} from './enrollment-admission';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private readonly batcher = new GroupCommit<PendingEnrollment, string>((items) =>
    this.writeEnrollments(items),
  );

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
          ratePerMinute: dto.ratePerMinute,
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
          ratePerMinute: saved.ratePerMinute,
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

  /**
   * Enrolls one device. Requests are written in group-commit batches (see GroupCommit): the
   * answer comes only after the device, its token use and its audit entry are committed.
   */
  async enroll(ip: string | null, dto: EnrollDto): Promise<EnrollResponse> {
    if (!isEd25519PublicKeyPem(dto.publicKey)) throw new InvalidDeviceKeyException();
    const deviceId = await this.batcher.submit({
      // A plain SHA-256 of the secret is sound here, and cheap enough for every request: the
      // secret is 256 random bits (newSecret), so no dictionary or brute force applies and a
      // slow password hash (scrypt, argon2) would buy nothing but CPU.
      tokenHash: hashSecret(dto.token),
      publicKey: dto.publicKey.trim(),
      address: ip,
      dto,
    });
    return {
      deviceId,
      serverPublicKey: this.serverKeys.publicKeyPem,
      heartbeatIntervalMs: this.telemetry.heartbeatIntervalMs,
    };
  }

  /**
   * One batch: the batch's rows in one transaction; if the database refuses a value, each
   * request again in its own transaction, so one bad row costs only its own device (and a
   * key another server process enrolled a moment ago is that request's 409).
   */
  private async writeEnrollments(items: PendingEnrollment[]): Promise<Outcome<string>[]> {
    const outcomes = new Array<Outcome<string>>(items.length);
    const indexed = items.map((item, i) => ({ item, i }));
    const written = await writeBatch(
      indexed,
      (subset) => this.admitAndWrite(subset),
      (rejected) => {
        for (const { item, error } of rejected) {
          outcomes[item.i] = {
            ok: false,
            error: isUniqueViolation(error, 'UQ_device_public_key_live')
              ? new DeviceKeyInUseException()
              : error,
          };
        }
      },
    );
    for (const { i, outcome } of written) outcomes[i] = outcome;
    return outcomes;
  }

  private async admitAndWrite(
    batch: readonly { item: PendingEnrollment; i: number }[],
  ): Promise<{ i: number; outcome: Outcome<string> }[]> {
    const { limit: failureLimit, windowMs: failureWindowMs } = this.config.enrollFailureLimit;
    return this.dataSource.transaction(async (m) => {
      const addresses = [...new Set(batch.map(({ item }) => addressKey(item.address)))];
      const hashes = [...new Set(batch.map(({ item }) => item.tokenHash))];
      const keys = [...new Set(batch.map(({ item }) => item.publicKey))];
      // Everything the decisions need in one round trip: the database's clock (which every
      // server process shares), the tokens, locked in id order (so batches in two processes
      // cannot deadlock; the lock is what makes "uses left, rate left, then count them" atomic
      // across processes), the addresses' recent failures, and keys already enrolled.
      const [read] = await m.query<
        { now: Date; tokens: TokenJson[]; failures: FailureJson[]; enrolled: EnrolledJson[] }[]
      >(
        `WITH locked AS (
           SELECT id, name, token_hash, expires_at, revoked_at, max_uses, uses, rate_per_minute,
             rate_tat, default_tags, default_group_id
           FROM enrollment_token WHERE token_hash = ANY($1::text[])
           ORDER BY id FOR UPDATE)
         SELECT now() AS now,
           (SELECT coalesce(json_agg(locked), '[]') FROM locked) AS tokens,
           (SELECT coalesce(json_agg(f), '[]') FROM (
              SELECT address, failures, window_start FROM enrollment_failure
              WHERE address = ANY($2::text[])) f) AS failures,
           (SELECT coalesce(json_agg(e), '[]') FROM (
              SELECT d.public_key, d.id, d.enrollment_token_id,
                d.last_seen_at IS NULL AND d.enrolled_at > now() - make_interval(secs => $4)
                  AS fresh
              FROM device d
              WHERE d.public_key = ANY($3::text[]) AND d.revoked_at IS NULL) e) AS enrolled`,
        [hashes, addresses, keys, ENROLL_REPEAT_WINDOW_SECONDS],
      );
      const now = new Date(read.now).getTime();
      const failures = new Map<string, FailureState>(
        read.failures.map((f) => [
          f.address,
          { failures: f.failures, windowStart: Date.parse(f.window_start) },
        ]),
      );
      const tokens = new Map<string, TokenState>();
      const rowsById = new Map<string, TokenJson>();
      for (const t of read.tokens) {
        rowsById.set(t.id, t);
        tokens.set(t.token_hash, {
          id: t.id,
          tokenHash: t.token_hash,
          expiresAt: new Date(t.expires_at),
          revokedAt: t.revoked_at === null ? null : new Date(t.revoked_at),
          maxUses: t.max_uses,
          uses: t.uses,
          ratePerMinute: t.rate_per_minute,
          rateTat: t.rate_tat === null ? null : Date.parse(t.rate_tat),
        });
      }
      const plan = planAdmissions(
        batch.map(({ item }) => item),
        tokens,
        failures,
        new Map(
          read.enrolled.map((e) => [
            e.public_key,
            { deviceId: e.id, enrollmentTokenId: e.enrollment_token_id, fresh: e.fresh },
          ]),
        ),
        now,
        { failureLimit, failureWindowMs },
      );

      const admitted = batch.flatMap(({ item, i }, n) => {
        const d = plan.decisions[n];
        return d.ok && !('repeatOf' in d)
          ? [{ item, i, token: rowsById.get(d.tokenId) as TokenJson }]
          : [];
      });
      const devices = await this.devices.createEnrolledMany(
        m,
        admitted.map(({ item, token }) => ({
          hostname: item.dto.facts.hostname,
          publicKey: item.publicKey,
          os: item.dto.facts.os,
          agentVersion: item.dto.facts.agentVersion,
          groupId: token.default_group_id,
          tags: token.default_tags,
          enrollmentTokenId: token.id,
        })),
      );
      if (plan.tokens.size > 0) {
        const changes = [...plan.tokens];
        await m.query(
          `UPDATE enrollment_token t SET uses = t.uses + c.admitted, rate_tat = c.rate_tat
           FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS c(id, admitted, rate_tat)
           WHERE t.id = c.id`,
          [
            changes.map(([id]) => id),
            changes.map(([, c]) => c.admitted),
            // Rounded up to the millisecond: never lets in more than the rate.
            changes.map(([, c]) => new Date(Math.ceil(c.rateTat)).toISOString()),
          ],
        );
      }
      await this.audit.recordMany(
        m,
        admitted.map(({ item, token }, n) => ({
          actor: { kind: 'device', userId: null, email: null, role: null, ip: item.address },
          entry: {
            action: 'devices.enroll',
            targetType: 'device',
            targetId: devices[n].id,
            details: {
              hostname: devices[n].hostname,
              enrollmentTokenId: token.id,
              tokenName: token.name,
            },
          },
        })),
      );
      if (plan.failures.size > 0) {
        const counted = [...plan.failures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        await m.query(
          `INSERT INTO enrollment_failure AS f (address, failures, window_start)
           SELECT a, n, now() FROM unnest($1::text[], $2::int[]) AS c(a, n)
           ON CONFLICT (address) DO UPDATE SET
             failures = CASE WHEN f.window_start <= now() - make_interval(secs => $3)
               THEN EXCLUDED.failures ELSE f.failures + EXCLUDED.failures END,
             window_start = CASE WHEN f.window_start <= now() - make_interval(secs => $3)
               THEN now() ELSE f.window_start END`,
          [counted.map(([a]) => a), counted.map(([, n]) => n), failureWindowMs / 1000],
        );
        // Keeps the table to the addresses that failed lately.
        await m.query(
          `DELETE FROM enrollment_failure WHERE window_start < now() - make_interval(secs => $1)`,
          [failureWindowMs / 1000 + 3600],
        );
      }

      let next = 0;
      return batch.map(({ i }, n) => {
        const d = plan.decisions[n];
        if (!d.ok) return { i, outcome: { ok: false, error: d.error } as const };
        if ('repeatOf' in d) return { i, outcome: { ok: true, value: d.repeatOf } as const };
        return { i, outcome: { ok: true, value: devices[next++].id } as const };
      });
    });
  }
}

interface PendingEnrollment extends AdmissionRequest {
  dto: EnrollDto;
}

/** A token row as json_agg gives it (timestamps as ISO strings). */
interface TokenJson {
  id: string;
  name: string;
  token_hash: string;
  expires_at: string;
  revoked_at: string | null;
  max_uses: number | null;
  uses: number;
  rate_per_minute: number;
  rate_tat: string | null;
  default_tags: string[];
  default_group_id: string | null;
}

interface EnrolledJson {
  public_key: string;
  id: string;
  enrollment_token_id: string | null;
  fresh: boolean;
}

interface FailureJson {
  address: string;
  failures: number;
  window_start: string;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driver = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  return driver?.code === '23505' && driver.constraint === constraint;
}
