import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  installerTypeOf,
  type JobSoftwareSpec,
  packageVersionProblem,
  silentArgProblem,
  type SoftwareInstallerResponse,
  type SoftwareOperation,
  type SoftwarePackageRef,
  softwarePackagesProblem,
  type SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import {
  softwareActionProblem,
  type SoftwareAction,
  type SoftwareActionPackage,
} from '@fleetdesk/protocol';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ObjectStore, ObjectTooLargeError, type StoredObject } from '../object-store/object-store';
import type { Actor } from '../common/actor';
import { DeviceHttpAuthService } from '../agent-updates/device-http-auth.service';
import type { SoftwareRunFinished } from '../jobs/dispatcher.service';
import { JobsService, type SoftwareSpecResolver } from '../jobs/jobs.service';
import { PatchComplianceService } from '../patch-compliance/patch-compliance.service';
import type {
  CreateSoftwareTitleDto,
  UpdateSoftwareTitleDto,
  UploadInstallerQueryDto,
} from './dto/software.dto';
import { SoftwareInstallerEntity } from './software-installer.entity';
import { SoftwareTitleEntity } from './software-title.entity';
import {
  InstallerInUseException,
  InstallerTooLargeException,
  SoftwareInstallerNotFoundException,
  SoftwareInvalidException,
  SoftwareTitleExistsException,
  SoftwareTitleNotFoundException,
} from './software.exceptions';

export const toTitleResponse = (t: SoftwareTitleEntity): SoftwareTitleResponse => ({
  id: t.id,
  name: t.name,
  publisher: t.publisher,
  packages: t.packages,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export const toInstallerResponse = (i: SoftwareInstallerEntity): SoftwareInstallerResponse => ({
  id: i.id,
  fileName: i.fileName,
  type: i.type,
  sha256: i.sha256,
  size: Number(i.size),
  silentArgs: i.silentArgs,
  createdAt: i.createdAt.toISOString(),
  createdBy: { id: i.createdBy, email: i.createdByEmail },
});

/** Only the fields a package has, in a fixed order (the stored and signed form). */
const cleanPackages = (packages: readonly SoftwarePackageRef[]): SoftwarePackageRef[] =>
  packages.map((p) => ({
    manager: p.manager,
    name: p.name,
    ...(p.version === undefined ? {} : { version: p.version }),
  }));

const OPERATION_WORDS = {
  install: 'Install',
  uninstall: 'Uninstall',
  upgrade: 'Upgrade',
  apply_updates: 'Apply updates',
} as const;

/** The object store's namespace for installers (on disk: DATA_DIR/software/blobs). */
const INSTALLERS = 'software';

/** The operations that bring packages up to date: they count as an update run. */
const UPDATE_OPERATIONS: ReadonlySet<SoftwareOperation> = new Set([
  'apply_updates',
  'install',
  'upgrade',
]);

/**
 * The software catalogue (titles and uploaded installers) and deployments: it turns the
 * `software` part of `POST /api/jobs` into the signed action the jobs engine sends.
 */
@Injectable()
export class SoftwareService implements OnModuleInit, SoftwareSpecResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    private readonly store: ObjectStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deviceAuth: DeviceHttpAuthService,
    private readonly patches: PatchComplianceService,
  ) {}

  onModuleInit(): void {
    this.jobs.useSoftwareResolver(this);
    this.jobs.onSoftwareRunFinished((runs) => this.recordUpdateRuns(runs));
  }

  /**
   * Patch compliance follows every deployment that can change what is pending: its "last
   * successful update run" and reboot-required come from the run itself, at once; the pending
   * list comes with the inventory the agent sends after a change.
   */
  private async recordUpdateRuns(runs: readonly SoftwareRunFinished[]): Promise<void> {
    await this.patches.recordUpdateRuns(
      runs
        .filter((r) => UPDATE_OPERATIONS.has(r.software.operation))
        .map((r) => ({
          deviceId: r.deviceId,
          finishedAt: r.finishedAt,
          succeeded: r.status === 'succeeded',
          ...(r.software.rebootRequired === null
            ? {}
            : { rebootRequired: r.software.rebootRequired }),
        })),
    );
  }

  // ---- titles ---------------------------------------------------------------------------

  async listTitles(): Promise<SoftwareTitleResponse[]> {
    const titles = await this.dataSource
      .getRepository(SoftwareTitleEntity)
      .find({ order: { name: 'ASC', id: 'ASC' } });
    return titles.map(toTitleResponse);
  }

  async getTitle(id: string): Promise<SoftwareTitleResponse> {
    return toTitleResponse(await this.titleEntity(id));
  }

  private async titleEntity(id: string): Promise<SoftwareTitleEntity> {
    const title = await this.dataSource.getRepository(SoftwareTitleEntity).findOneBy({ id });
    if (!title) throw new SoftwareTitleNotFoundException(id);
    return title;
  }

  private checkPackages(packages: readonly SoftwarePackageRef[]): SoftwarePackageRef[] {
    // A title's pins are install pins; a deployment checks its own operation in resolve().
    const problem = softwarePackagesProblem(packages, 'install');
    if (problem) throw new SoftwareInvalidException(problem);
    return cleanPackages(packages);
  }

  async createTitle(actor: Actor, dto: CreateSoftwareTitleDto): Promise<SoftwareTitleResponse> {
    const packages = this.checkPackages(dto.packages);
    const saved = await this.uniqueName(dto.name, () =>
      this.dataSource.transaction(async (m) => {
        const title = await m.save(
          SoftwareTitleEntity,
          m.create(SoftwareTitleEntity, {
            name: dto.name,
            publisher: dto.publisher || null,
            packages,
          }),
        );
        await this.audit.record(m, actor, {
          action: 'software.titles.create',
          targetType: 'software_title',
          targetId: title.id,
          details: { name: title.name, publisher: title.publisher, packages },
        });
        return title;
      }),
    );
    return toTitleResponse(saved);
  }

  async updateTitle(
    actor: Actor,
    id: string,
    dto: UpdateSoftwareTitleDto,
  ): Promise<SoftwareTitleResponse> {
    const packages = dto.packages ? this.checkPackages(dto.packages) : undefined;
    const saved = await this.uniqueName(dto.name ?? '', () =>
      this.dataSource.transaction(async (m) => {
        const title = await m.findOne(SoftwareTitleEntity, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        if (!title) throw new SoftwareTitleNotFoundException(id);
        const before = { name: title.name, publisher: title.publisher, packages: title.packages };
        if (dto.name !== undefined) title.name = dto.name;
        if (dto.publisher !== undefined) title.publisher = dto.publisher || null;
        if (packages) title.packages = packages;
        const updated = await m.save(SoftwareTitleEntity, title);
        await this.audit.record(m, actor, {
          action: 'software.titles.update',
          targetType: 'software_title',
          targetId: id,
          details: {
            before,
            after: { name: updated.name, publisher: updated.publisher, packages: updated.packages },
          },
        });
        return updated;
      }),
    );
    return toTitleResponse(saved);
  }

  async deleteTitle(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const title = await m.findOneBy(SoftwareTitleEntity, { id });
      if (!title) throw new SoftwareTitleNotFoundException(id);
      await m.delete(SoftwareTitleEntity, { id });
      await this.audit.record(m, actor, {
        action: 'software.titles.delete',
        targetType: 'software_title',
        targetId: id,
        details: { name: title.name, packages: title.packages },
      });
    });
  }

  /** UQ_software_title_name as a clear 409, not a 500. */
  private async uniqueName<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (
        err instanceof QueryFailedError &&
        (err.driverError as { code?: string }).code === '23505'
      )
        throw new SoftwareTitleExistsException(name);
      throw err;
    }
  }

  // ---- installers -----------------------------------------------------------------------

  async listInstallers(): Promise<SoftwareInstallerResponse[]> {
    const rows = await this.dataSource
      .getRepository(SoftwareInstallerEntity)
      .find({ order: { createdAt: 'DESC', id: 'DESC' }, take: 500 });
    return rows.map(toInstallerResponse);
  }

  async getInstaller(id: string): Promise<SoftwareInstallerResponse> {
    return toInstallerResponse(await this.installerEntity(id));
  }

  private async installerEntity(id: string): Promise<SoftwareInstallerEntity> {
    const row = await this.dataSource.getRepository(SoftwareInstallerEntity).findOneBy({ id });
    if (!row) throw new SoftwareInstallerNotFoundException(id);
    return row;
  }

  /**
   * Streams an upload into the blob store (refused past the size limit), then records it.
   * The metadata is checked before a byte is read.
   */
  async upload(
    actor: Actor,
    query: UploadInstallerQueryDto,
    body: Readable,
    declaredLength: number | undefined,
  ): Promise<SoftwareInstallerResponse> {
    // Shown only; what a browser sends as a path keeps just its last part.
    const fileName = basename(query.fileName.replace(/\\/g, '/'));
    // eslint-disable-next-line no-control-regex
    if (!fileName || /[\u0000-\u001f\u007f]/.test(fileName))
      throw new SoftwareInvalidException('fileName must be a file name without control characters');
    const type = installerTypeOf(fileName);
    if (!type)
      throw new SoftwareInvalidException(
        'fileName must end in .deb, .rpm, .msi, .pkg or .exe (the type is taken from it)',
      );
    const silentArgs = query.silentArgs ?? [];
    for (const arg of silentArgs) {
      const problem = silentArgProblem(arg);
      if (problem) throw new SoftwareInvalidException(problem);
    }
    if (silentArgs.length > 0 && type !== 'msi' && type !== 'exe')
      throw new SoftwareInvalidException(
        `silent arguments apply to .msi and .exe installers; a .${type} is installed by its package manager`,
      );
    const maxBytes = this.config.softwareUploadMaxBytes;
    if (declaredLength !== undefined && declaredLength > maxBytes) {
      // Refused before a byte is written; the body is read and dropped, not stored.
      body.resume();
      throw new InstallerTooLargeException(maxBytes);
    }
    const { sha256, size } = await this.store
      .put(INSTALLERS, body, maxBytes)
      .catch((err: unknown) => {
        throw err instanceof ObjectTooLargeError ? new InstallerTooLargeException(maxBytes) : err;
      });
    if (size === 0) {
      await this.store.remove(INSTALLERS, sha256);
      throw new SoftwareInvalidException('The upload is empty');
    }
    const saved = await this.dataSource.transaction(async (m) => {
      const row = await m.save(
        SoftwareInstallerEntity,
        m.create(SoftwareInstallerEntity, {
          fileName,
          type,
          sha256,
          size: String(size),
          silentArgs,
          createdBy: actor.userId,
          createdByEmail: actor.email,
        }),
      );
      await this.audit.record(m, actor, {
        action: 'software.installers.upload',
        targetType: 'software_installer',
        targetId: row.id,
        details: { fileName, type, sha256, size, silentArgs },
      });
      return row;
    });
    return toInstallerResponse(saved);
  }

  /**
   * Removes an installer, refused while a deployment that installs it has runs not yet final
   * (a device may still fetch it). The bytes go too unless another installer has the same
   * ones. A deployment started in the instant between is not lost silently: its devices get
   * a 404 for the bytes, and their runs fail with that reason, with nothing run.
   */
  async deleteInstaller(actor: Actor, id: string): Promise<void> {
    const open = await this.jobs.openRunsUsingInstaller(id);
    if (open > 0) {
      await this.installerEntity(id); // an unknown id is a 404 all the same
      throw new InstallerInUseException(open);
    }
    const row = await this.dataSource.transaction(async (m) => {
      const found = await m.findOneBy(SoftwareInstallerEntity, { id });
      if (!found) throw new SoftwareInstallerNotFoundException(id);
      await m.delete(SoftwareInstallerEntity, { id });
      await this.audit.record(m, actor, {
        action: 'software.installers.delete',
        targetType: 'software_installer',
        targetId: id,
        details: {
          fileName: found.fileName,
          type: found.type,
          sha256: found.sha256,
          size: Number(found.size),
        },
      });
      return found;
    });
    const shared = await this.dataSource
      .getRepository(SoftwareInstallerEntity)
      .existsBy({ sha256: row.sha256 });
    if (!shared) await this.store.remove(INSTALLERS, row.sha256);
  }

  /** The bytes for a device, which must sign the request with its own key. */
  async installerForDevice(
    authorization: string | undefined,
    path: string,
    id: string,
  ): Promise<StoredObject> {
    await this.deviceAuth.verify(authorization, 'GET', path);
    const row = await this.installerEntity(id);
    const blob = await this.store.open(INSTALLERS, row.sha256);
    if (!blob) throw new SoftwareInstallerNotFoundException(id);
    return blob;
  }

  // ---- deployments ----------------------------------------------------------------------

  async resolve(spec: JobSoftwareSpec): Promise<{
    action: SoftwareAction;
    name: string;
    auditDetails: Record<string, unknown>;
  }> {
    const sources = [spec.titleId, spec.installerId, spec.package].filter(
      (s) => s !== undefined,
    ).length;
    const op = spec.operation;
    if (op === 'apply_updates') {
      if (sources > 0 || spec.version !== undefined)
        throw new SoftwareInvalidException(
          'apply_updates takes no title, installer, package or version',
        );
    } else if (sources !== 1) {
      throw new SoftwareInvalidException(
        `${op} needs exactly one of titleId, installerId or package`,
      );
    }
    if (spec.securityOnly !== undefined && op !== 'apply_updates')
      throw new SoftwareInvalidException('securityOnly goes only with apply_updates');

    const action: SoftwareAction = { kind: 'software', operation: op, packages: [] };
    let what = '';
    const details: Record<string, unknown> = { operation: op };
    if (op === 'apply_updates') {
      action.securityOnly = spec.securityOnly ?? false;
      what = action.securityOnly ? 'security' : 'all';
      details.securityOnly = action.securityOnly;
    } else if (spec.installerId) {
      if (op !== 'install')
        throw new SoftwareInvalidException('an installer can only be installed');
      if (spec.version !== undefined)
        throw new SoftwareInvalidException('an installer is one version; give no version');
      const row = await this.installerEntity(spec.installerId);
      action.installer = {
        id: row.id,
        type: row.type,
        sha256: row.sha256,
        size: Number(row.size),
        silentArgs: row.silentArgs,
      };
      what = row.fileName;
      details.installer = {
        id: row.id,
        fileName: row.fileName,
        sha256: row.sha256,
        size: Number(row.size),
      };
    } else {
      let packages: SoftwareActionPackage[];
      if (spec.titleId) {
        const title = await this.titleEntity(spec.titleId);
        if (title.packages.length === 0)
          throw new SoftwareInvalidException(`The title "${title.name}" names no packages`);
        // Pins are for installing; an upgrade or uninstall goes to a version only when the
        // request names one (spec.version below).
        packages = title.packages.map(({ manager, name, version }) => ({
          manager,
          name,
          ...(op === 'install' && version !== undefined ? { version } : {}),
        }));
        what = title.name;
        details.title = { id: title.id, name: title.name };
      } else {
        const p = spec.package!;
        packages = [{ manager: p.manager, name: p.name }];
        what = p.name;
      }
      if (spec.version !== undefined) {
        // Whether this manager can choose a version for this operation, then its syntax: one
        // table in api-types (packages.ts), which the agent asks again.
        for (const p of packages) {
          const problem = packageVersionProblem(p.manager, spec.version, op);
          if (problem) throw new SoftwareInvalidException(`${p.manager}: ${problem}`);
          p.version = spec.version;
        }
      }
      const problem = softwarePackagesProblem(packages, op);
      if (problem) throw new SoftwareInvalidException(problem);
      action.packages = cleanPackages(packages);
      details.packages = action.packages;
      if (spec.version !== undefined) details.version = spec.version;
    }
    const problem = softwareActionProblem(action);
    if (problem) throw new SoftwareInvalidException(problem.reason);
    const name =
      op === 'apply_updates'
        ? `Apply ${what === 'security' ? 'security ' : ''}updates`
        : `${OPERATION_WORDS[op]} ${what}${spec.version ? ` ${spec.version}` : ''}`;
    return { action, name: name.slice(0, 200), auditDetails: { software: details } };
  }
}
