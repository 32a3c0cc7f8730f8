import { FOLLOW_LIMITS, SOFTWARE_LIMITS } from '@fleetdesk/api-types';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MinLength,
  Min,
  validateSync,
} from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseSecretKey } from '../secrets/secret-box';
import { createSecureContext } from 'node:tls';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const FOLLOW_LINES_RANGE = `must be between ${FOLLOW_LIMITS.linesPerSecond.min} and ${FOLLOW_LIMITS.linesPerSecond.max}`;
const FOLLOW_BYTES_RANGE = `must be between ${FOLLOW_LIMITS.bytesPerSecond.min} and ${FOLLOW_LIMITS.bytesPerSecond.max}`;

const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * The environment as the server accepts it. Every variable the server reads is declared here,
 * and this is the only place that looks at process.env.
 */
class EnvSchema {
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  PORT: number = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  HOST?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsString()
  DATA_DIR: string = './data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Transform(emptyToUndefined)
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  FLEETDESK_ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  FLEETDESK_ADMIN_PASSWORD?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 720' })
  @Max(720, { message: 'must be between 1 and 720' })
  SESSION_TTL_HOURS: number = 12;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  LOGIN_RATE_LIMIT: number = 10;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  LOGIN_RATE_WINDOW_SECONDS: number = 60;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 1000' })
  @Max(1000, { message: 'must be between 1 and 1000' })
  LOGIN_ACCOUNT_LIMIT: number = 5;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 3600' })
  @Max(3600, { message: 'must be between 1 and 3600' })
  LOGIN_LOCK_SECONDS: number = 60;

  @Transform(emptyToUndefined)
  @IsIn(['auto', 'true', 'false'], { message: 'must be auto, true or false' })
  COOKIE_SECURE: 'auto' | 'true' | 'false' = 'auto';

  @Transform(emptyToUndefined)
  @Matches(/^(true|false|\d{1,2})$/, {
    message: 'must be true, false, or the number of proxy hops to trust',
  })
  TRUST_PROXY: string = 'false';

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be at least 0' })
  SHUTDOWN_TIMEOUT_MS: number = 10000;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1000, { message: 'must be between 1000 and 3600000' })
  @Max(3_600_000, { message: 'must be between 1000 and 3600000' })
  AGENT_HEARTBEAT_INTERVAL_MS: number = 30000;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  ENROLL_FAIL_LIMIT: number = 30;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 86400' })
  @Max(86_400, { message: 'must be between 1 and 86400' })
  ENROLL_FAIL_WINDOW_SECONDS: number = 60;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  AGENT_DOWNLOAD_RATE_LIMIT: number = 60;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  AGENT_DOWNLOAD_RATE_WINDOW_SECONDS: number = 60;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/, {
    message:
      'must be the URL agents and browsers reach this server at, like https://rmm.example.com',
  })
  PUBLIC_URL?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be 0 (off) or between 1000 and 60000' })
  @Max(60_000, { message: 'must be 0 (off) or between 1000 and 60000' })
  SCHEDULER_TICK_MS: number = 10000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s,]+\/?(,\s*https?:\/\/[^/\s,]+\/?)*$/, {
    message: 'must be a comma-separated list of origins like https://rmm.example.com',
  })
  CONSOLE_ORIGINS?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CONSOLE_DIR?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AGENT_BINARIES_DIR?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\s*([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)\s*$/, {
    message:
      'must be 32 bytes written as 64 hex digits or as base64 (e.g. `openssl rand -base64 32`)',
  })
  FLEETDESK_SECRET_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  TLS_CERT_FILE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  TLS_KEY_FILE?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be 0 (off) or between 100 and 60000' })
  @Max(60_000, { message: 'must be 0 (off) or between 100 and 60000' })
  MONITOR_TICK_MS: number = 1000;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 604800' })
  @Max(604_800, { message: 'must be between 1 and 604800' })
  OFFLINE_ALERT_GRACE_SECONDS: number = 300;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  // At least two of the console's 30 s heartbeats, so a watched follow is never idle.
  @Min(60, { message: 'must be between 60 and 86400' })
  @Max(86_400, { message: 'must be between 60 and 86400' })
  FOLLOW_IDLE_SECONDS: number = 600;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(FOLLOW_LIMITS.linesPerSecond.min, { message: FOLLOW_LINES_RANGE })
  @Max(FOLLOW_LIMITS.linesPerSecond.max, { message: FOLLOW_LINES_RANGE })
  FOLLOW_LINES_PER_SECOND: number = FOLLOW_LIMITS.linesPerSecond.default;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(FOLLOW_LIMITS.bytesPerSecond.min, { message: FOLLOW_BYTES_RANGE })
  @Max(FOLLOW_LIMITS.bytesPerSecond.max, { message: FOLLOW_BYTES_RANGE })
  FOLLOW_BYTES_PER_SECOND: number = FOLLOW_LIMITS.bytesPerSecond.default;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 86400' })
  @Max(86_400, { message: 'must be between 1 and 86400' })
  AGENT_CHECK_SUMMARY_SECONDS: number = 300;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 720' })
  @Max(720, { message: 'must be between 1 and 720' })
  METRICS_MINUTE_RETENTION_HOURS: number = 24;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 3650' })
  @Max(3650, { message: 'must be between 1 and 3650' })
  METRICS_RETENTION_DAYS: number = 30;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 3650' })
  @Max(3650, { message: 'must be between 1 and 3650' })
  WEBSITE_CHECK_RETENTION_DAYS: number = 30;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, {
    message: 'must be an smtp:// or smtps:// URL like smtp://user:pass@mail.example.com:587',
  })
  SMTP_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  SMTP_FROM?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  SOFTWARE_UPLOAD_MAX_BYTES: number = SOFTWARE_LIMITS.uploadMaxBytes;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be an S3 bucket name (3-63 lowercase letters, digits, dots and dashes)',
  })
  S3_BUCKET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+\/?$/, {
    message: 'must be an http:// or https:// URL of the S3 service, without a path',
  })
  S3_ENDPOINT?: string;

  @Transform(emptyToUndefined)
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'must be a region name like us-east-1' })
  S3_REGION: string = 'us-east-1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, {
    message: "must be a key prefix of letters, digits and !_.*'()- parts joined by /",
  })
  S3_PREFIX?: string;
}

export interface AppConfig {
  port: number;
  host: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  logLevel: LogLevel;
  bootstrapAdmin: { email: string; password: string } | undefined;
  sessionTtlMs: number;
  loginRateLimit: { limit: number; windowMs: number };
  /** Failed sign-ins one account may have before it is locked, and the first lock's length. */
  loginAccountLimit: { failures: number; lockMs: number };
  cookieSecure: 'auto' | boolean;
  trustProxy: boolean | number;
  shutdownTimeoutMs: number;
  heartbeatIntervalMs: number;
  /**
   * Failed enrollments (unknown, expired, revoked token) one source address may make per
   * window before all its attempts are refused until the window ends; counted in the database.
   */
  enrollFailureLimit: { limit: number; windowMs: number };
  /** How often this process looks for due schedule occurrences; 0 turns its loop off. */
  schedulerTickMs: number;
  /**
   * Live follow: a follow whose viewers sent no heartbeat for `idleMs` (the page hidden or
   * left open unattended) is stopped; the agent's rate limit per follow.
   */
  follow: { idleMs: number; linesPerSecond: number; bytesPerSecond: number };
  /** Origins, besides the server's own, whose pages may open the console socket. */
  consoleOrigins: string[];
  /** The built web console; the server serves it at / when index.html is there. */
  consoleDir: string;
  /** Encrypts secrets at rest; when unset, a key file under dataDir is used (made at first start). */
  secretKey: Buffer | undefined;
  /** PEM certificate chain and key: the server speaks HTTPS (and WSS) itself when set. */
  tls: { cert: Buffer; key: Buffer } | undefined;
  /** Folder with the agent executables and their manifest.json; undefined: none offered. */
  agentBinariesDir: string | undefined;
  agentDownloadRateLimit: { limit: number; windowMs: number };
  /** The server's address as its users reach it, without a trailing slash; else the request's. */
  publicUrl: string | undefined;
  /** How often this process looks for due website checks, sweeps and notifications; 0: off. */
  monitorTickMs: number;
  /** How long a device must be offline before its offline alert fires. */
  offlineAlertGraceMs: number;
  /** Every this often each agent reports all its check states, changed or not. */
  agentCheckSummaryMs: number;
  /** How long 1-minute and 15-minute metric buckets are kept. */
  metricsRetention: { minuteMs: number; fifteenMinuteMs: number };
  /** Website-check results (response times) older than this are deleted. */
  websiteCheckRetentionMs: number;
  /** Where email notifications are sent through; undefined: email channels are refused. */
  smtp: { url: string; from: string } | undefined;
  /** The largest installer an upload may be; a larger one is cut off and refused. */
  softwareUploadMaxBytes: number;
  /** Where stored objects (installers) go: an S3-compatible bucket when set, else DATA_DIR. */
  s3: S3Config | undefined;
}

export interface S3Config {
  /** The service's base URL; objects are addressed path-style: `<endpoint>/<bucket>/<key>`. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Put before every key, e.g. `fleetdesk/prod`; empty for none. */
  prefix: string;
}

const ENV_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'REDIS_URL',
  'LOG_LEVEL',
  'FLEETDESK_ADMIN_EMAIL',
  'FLEETDESK_ADMIN_PASSWORD',
  'SESSION_TTL_HOURS',
  'LOGIN_RATE_LIMIT',
  'LOGIN_RATE_WINDOW_SECONDS',
  'LOGIN_ACCOUNT_LIMIT',
  'LOGIN_LOCK_SECONDS',
  'COOKIE_SECURE',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_MS',
  'AGENT_HEARTBEAT_INTERVAL_MS',
  'ENROLL_FAIL_LIMIT',
  'ENROLL_FAIL_WINDOW_SECONDS',
  'SCHEDULER_TICK_MS',
  'CONSOLE_ORIGINS',
  'CONSOLE_DIR',
  'FLEETDESK_SECRET_KEY',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'AGENT_BINARIES_DIR',
  'AGENT_DOWNLOAD_RATE_LIMIT',
  'AGENT_DOWNLOAD_RATE_WINDOW_SECONDS',
  'PUBLIC_URL',
  'MONITOR_TICK_MS',
  'OFFLINE_ALERT_GRACE_SECONDS',
  'FOLLOW_IDLE_SECONDS',
  'FOLLOW_LINES_PER_SECOND',
  'FOLLOW_BYTES_PER_SECOND',
  'AGENT_CHECK_SUMMARY_SECONDS',
  'METRICS_MINUTE_RETENTION_HOURS',
  'METRICS_RETENTION_DAYS',
  'WEBSITE_CHECK_RETENTION_DAYS',
  'SMTP_URL',
  'SMTP_FROM',
  'SOFTWARE_UPLOAD_MAX_BYTES',
  'S3_BUCKET',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_PREFIX',
] as const;

/** Injection token for the validated, typed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
    readonly value: unknown,
  ) {
    super(`${variable} ${reason}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
}

/**
 * Reads and checks the certificate and key at boot, so a wrong path or a key that does not
 * belong to the certificate stops the server with the variable's name instead of failing the
 * first TLS handshake.
 */
function loadTls(certFile?: string, keyFile?: string): AppConfig['tls'] {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    const [missing, other] = certFile
      ? ['TLS_KEY_FILE', 'TLS_CERT_FILE']
      : ['TLS_CERT_FILE', 'TLS_KEY_FILE'];
    throw new ConfigError(missing, `must be set together with ${other}`, undefined);
  }
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new ConfigError(variable, `cannot be read (${code})`, file);
    }
  };
  const cert = read('TLS_CERT_FILE', certFile);
  const key = read('TLS_KEY_FILE', keyFile);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const reason = (error as Error).message.replace(/\s+/g, ' ');
    throw new ConfigError(
      'TLS_KEY_FILE',
      `and TLS_CERT_FILE are not a usable PEM key and certificate pair: ${reason}`,
      keyFile,
    );
  }
  return { cert, key };
}

/** Where `npm run build:agent` puts the executables, relative to this file in src/ and dist/. */
const BUILT_AGENT_BINARIES = resolve(__dirname, '../../../agent/dist/bin');

/**
 * An explicit AGENT_BINARIES_DIR must hold a readable manifest.json, or the server stops;
 * without one, the repository's build output is used when it exists. The files themselves
 * are hashed when the downloads are first asked for (agent-downloads).
 */
function agentBinariesDir(configured: string | undefined): string | undefined {
  if (configured === undefined) {
    return existsSync(join(BUILT_AGENT_BINARIES, 'manifest.json'))
      ? BUILT_AGENT_BINARIES
      : undefined;
  }
  const dir = resolve(configured);
  let text: string;
  try {
    text = readFileSync(join(dir, 'manifest.json'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      'AGENT_BINARIES_DIR',
      `must be a folder with the manifest.json of \`npm run build:agent\` (${code})`,
      configured,
    );
  }
  try {
    JSON.parse(text);
  } catch {
    throw new ConfigError('AGENT_BINARIES_DIR', 'has a manifest.json that is not JSON', configured);
  }
  return dir;
}

/** S3 is on when S3_BUCKET is set; then the endpoint and both keys must be there too. */
function s3Config(parsed: EnvSchema): S3Config | undefined {
  const others = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_PREFIX'] as const;
  if (parsed.S3_BUCKET === undefined) {
    const stray = others.find((name) => parsed[name] !== undefined);
    if (stray) throw new ConfigError(stray, 'has no effect without S3_BUCKET', undefined);
    return undefined;
  }
  for (const name of ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
    if (parsed[name] === undefined)
      throw new ConfigError(name, 'must be set together with S3_BUCKET', undefined);
  }
  return {
    endpoint: parsed.S3_ENDPOINT!.replace(/\/+$/, ''),
    bucket: parsed.S3_BUCKET,
    region: parsed.S3_REGION,
    accessKeyId: parsed.S3_ACCESS_KEY_ID!,
    secretAccessKey: parsed.S3_SECRET_ACCESS_KEY!,
    prefix: parsed.S3_PREFIX ?? '',
  };
}

function monitorTick(ms: number): number {
  if (ms !== 0 && ms < 100)
    throw new ConfigError('MONITOR_TICK_MS', 'must be 0 (off) or between 100 and 60000', ms);
  return ms;
}

/** Validates the environment once; the first problem becomes a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.fromEntries(
    ENV_VARIABLES.filter((key) => env[key] !== undefined).map((key) => [key, env[key]]),
  );
  const parsed = plainToInstance(EnvSchema, known, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    // class-validator lists constraints bottom-up; the last is the first one declared (the type check).
    const reason = Object.values(first.constraints ?? {}).at(-1) ?? 'is invalid';
    const shown = /PASSWORD|SECRET|SMTP_URL/.test(first.property)
      ? undefined
      : known[first.property];
    throw new ConfigError(first.property, reason, shown);
  }
  const secretKey =
    parsed.FLEETDESK_SECRET_KEY === undefined
      ? undefined
      : parseSecretKey(parsed.FLEETDESK_SECRET_KEY);
  if (secretKey === null) {
    // base64 of the right length that still decodes short (bad padding bits).
    throw new ConfigError('FLEETDESK_SECRET_KEY', 'must decode to exactly 32 bytes', undefined);
  }
  const hasEmail = parsed.FLEETDESK_ADMIN_EMAIL !== undefined;
  const hasPassword = parsed.FLEETDESK_ADMIN_PASSWORD !== undefined;
  if (hasEmail !== hasPassword) {
    const missing = hasEmail ? 'FLEETDESK_ADMIN_PASSWORD' : 'FLEETDESK_ADMIN_EMAIL';
    const other = hasEmail ? 'FLEETDESK_ADMIN_EMAIL' : 'FLEETDESK_ADMIN_PASSWORD';
    throw new ConfigError(missing, `must be set together with ${other}`, undefined);
  }
  return {
    tls: loadTls(parsed.TLS_CERT_FILE, parsed.TLS_KEY_FILE),
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    dataDir: isAbsolute(parsed.DATA_DIR) ? parsed.DATA_DIR : resolve(parsed.DATA_DIR),
    redisUrl: parsed.REDIS_URL,
    logLevel: parsed.LOG_LEVEL,
    bootstrapAdmin:
      parsed.FLEETDESK_ADMIN_EMAIL && parsed.FLEETDESK_ADMIN_PASSWORD
        ? { email: parsed.FLEETDESK_ADMIN_EMAIL, password: parsed.FLEETDESK_ADMIN_PASSWORD }
        : undefined,
    sessionTtlMs: parsed.SESSION_TTL_HOURS * 3_600_000,
    loginRateLimit: {
      limit: parsed.LOGIN_RATE_LIMIT,
      windowMs: parsed.LOGIN_RATE_WINDOW_SECONDS * 1000,
    },
    loginAccountLimit: {
      failures: parsed.LOGIN_ACCOUNT_LIMIT,
      lockMs: parsed.LOGIN_LOCK_SECONDS * 1000,
    },
    cookieSecure: parsed.COOKIE_SECURE === 'auto' ? 'auto' : parsed.COOKIE_SECURE === 'true',
    trustProxy:
      parsed.TRUST_PROXY === 'true'
        ? true
        : parsed.TRUST_PROXY === 'false'
          ? false
          : Number(parsed.TRUST_PROXY),
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    heartbeatIntervalMs: parsed.AGENT_HEARTBEAT_INTERVAL_MS,
    schedulerTickMs: parsed.SCHEDULER_TICK_MS,
    enrollFailureLimit: {
      limit: parsed.ENROLL_FAIL_LIMIT,
      windowMs: parsed.ENROLL_FAIL_WINDOW_SECONDS * 1000,
    },
    consoleOrigins: (parsed.CONSOLE_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => new URL(origin).origin),
    // Relative to this file in both src/ (tests) and dist/ (npm start): apps/console/dist.
    consoleDir: parsed.CONSOLE_DIR
      ? resolve(parsed.CONSOLE_DIR)
      : resolve(__dirname, '../../../console/dist'),
    secretKey,
    agentBinariesDir: agentBinariesDir(parsed.AGENT_BINARIES_DIR),
    agentDownloadRateLimit: {
      limit: parsed.AGENT_DOWNLOAD_RATE_LIMIT,
      windowMs: parsed.AGENT_DOWNLOAD_RATE_WINDOW_SECONDS * 1000,
    },
    publicUrl: parsed.PUBLIC_URL?.replace(/\/+$/, ''),
    monitorTickMs: monitorTick(parsed.MONITOR_TICK_MS),
    offlineAlertGraceMs: parsed.OFFLINE_ALERT_GRACE_SECONDS * 1000,
    follow: {
      idleMs: parsed.FOLLOW_IDLE_SECONDS * 1000,
      linesPerSecond: parsed.FOLLOW_LINES_PER_SECOND,
      bytesPerSecond: parsed.FOLLOW_BYTES_PER_SECOND,
    },
    agentCheckSummaryMs: parsed.AGENT_CHECK_SUMMARY_SECONDS * 1000,
    metricsRetention: {
      minuteMs: parsed.METRICS_MINUTE_RETENTION_HOURS * 3_600_000,
      fifteenMinuteMs: parsed.METRICS_RETENTION_DAYS * 86_400_000,
    },
    websiteCheckRetentionMs: parsed.WEBSITE_CHECK_RETENTION_DAYS * 86_400_000,
    smtp: parsed.SMTP_URL
      ? { url: parsed.SMTP_URL, from: parsed.SMTP_FROM ?? 'fleetdesk@localhost' }
      : undefined,
    softwareUploadMaxBytes: parsed.SOFTWARE_UPLOAD_MAX_BYTES,
    s3: s3Config(parsed),
  };
}
