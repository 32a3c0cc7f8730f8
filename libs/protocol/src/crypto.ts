import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hash,
  KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import {
  type ActionKind,
  type ActionRunSpec,
  type ChecksBody,
  NONCE_BYTES,
  type RunAction,
  type RunActions,
  type RunBody,
  type RunSpec,
  SIGNATURE_BYTES,
} from './messages';
import { decodeBase64Exact } from './validate';
import type { ListDirBody } from './files';
import type { WebChecksBody } from './web-checks';
import { collectLogsSigningFields } from './logs';
import { searchLogsSigningFields } from './search';
import type { FollowKeepaliveBody, FollowStartBody } from './follow';
import { fetchFileSigningFields, pushFileSigningFields } from './transfers';

/**
 * Context labels make a signature valid for one purpose only: the agent's handshake
 * signature can never be replayed as the server's, or later as a job signature. Bump the
 * suffix if the payload layout ever changes.
 */
export const AGENT_AUTH_CONTEXT = 'fleetdesk-agent-auth-v1';
export const SERVER_AUTH_CONTEXT = 'fleetdesk-server-auth-v1';
export const RUN_CONTEXT = 'fleetdesk-run-v1';
export const RUN_BATCH_CONTEXT = 'fleetdesk-run-batch-v1';
export const CANCEL_CONTEXT = 'fleetdesk-cancel-v1';
export const ACTION_RUN_CONTEXT = 'fleetdesk-action-run-v1';
export const AGENT_BUILD_CONTEXT = 'fleetdesk-agent-build-v1';
export const DEVICE_HTTP_CONTEXT = 'fleetdesk-device-http-v1';
export const CHECKS_CONTEXT = 'fleetdesk-checks-v1';
export const FOLLOW_START_CONTEXT = 'fleetdesk-follow-start-v1';
export const FOLLOW_STOP_CONTEXT = 'fleetdesk-follow-stop-v1';
export const FOLLOW_KEEPALIVE_CONTEXT = 'fleetdesk-follow-keepalive-v1';
export const LIST_DIR_CONTEXT = 'fleetdesk-list-dir-v1';
export const WEB_CHECKS_CONTEXT = 'fleetdesk-web-checks-v1';

export interface AuthPayloadFields {
  deviceId: string;
  /** base64, exactly as sent in `hello`. */
  serverNonce: string;
  /** base64, exactly as sent in `auth`. */
  agentNonce: string;
}

/** Lone surrogates: UTF-8 would turn them into U+FFFD, so two strings would sign the same. */
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (text) => Buffer.from(text, 'utf8').toString('utf8') === text;

/**
 * Encodes a context label and fields as `u32be length ‖ UTF-8 bytes` each. Every field
 * carries its own length, so no bytes can be moved from one field to the next without
 * changing the result (unlike plain concatenation, where "ab"+"c" equals "a"+"bc").
 *
 * Throws on strings with lone surrogates: UTF-8 encoding would replace them with U+FFFD
 * and two different strings would sign the same.
 */
export function canonicalPayload(
  context: string,
  fields: readonly (string | Uint8Array)[],
): Buffer {
  // One exact-size buffer, written in place: a run's payload has some twenty fields, and the
  // server builds one per run it sends and every agent one per run it checks, so a buffer
  // per field (and a UTF-8 round trip to test each string) was most of the cost.
  let total = 4 + byteLengthOf(context);
  for (const field of fields) total += 4 + byteLengthOf(field);
  const out = Buffer.allocUnsafe(total);
  let at = writeField(out, 0, context);
  for (const field of fields) at = writeField(out, at, field);
  return out;
}

function byteLengthOf(field: string | Uint8Array): number {
  if (typeof field !== 'string') return field.byteLength;
  if (!isWellFormed(field)) {
    throw new TypeError('canonicalPayload: string field is not well-formed UTF-16');
  }
  return Buffer.byteLength(field, 'utf8');
}

function writeField(out: Buffer, at: number, field: string | Uint8Array): number {
  const start = at + 4;
  const length = typeof field === 'string' ? out.write(field, start, 'utf8') : field.byteLength;
  if (typeof field !== 'string') out.set(field, start);
  out.writeUInt32BE(length, at);
  return start + length;
}

/** What the agent signs with its device key in `auth`. */
export const agentAuthPayload = (f: AuthPayloadFields): Buffer =>
  canonicalPayload(AGENT_AUTH_CONTEXT, [f.deviceId, f.serverNonce, f.agentNonce]);

/** What the server signs with its own key in `auth_ok`. */
export const serverAuthPayload = (f: AuthPayloadFields): Buffer =>
  canonicalPayload(SERVER_AUTH_CONTEXT, [f.deviceId, f.agentNonce, f.serverNonce]);

/**
 * What the server signs for each run: every field, in a fixed order, env sorted by name. The
 * names of secret env entries come last and only when there are some, so a spec without
 * secrets signs exactly as it did before they existed, and dropping a secret flag (to get
 * the value unmasked) breaks the signature.
 */
export function runSigningPayload(spec: RunSpec): Buffer {
  const env = [...spec.env].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const secret = env.filter((e) => e.secret === true).map((e) => e.name);
  return canonicalPayload(RUN_CONTEXT, [
    spec.runId,
    spec.jobId,
    spec.deviceId,
    spec.language,
    spec.script,
    spec.scriptSha256,
    String(env.length),
    ...env.flatMap((e) => [e.name, e.value]),
    String(spec.args.length),
    ...spec.args,
    String(spec.timeoutMs),
    String(spec.expiresAt),
    String(spec.issuedAt),
    spec.nonce,
    String(spec.maxOutputBytes),
    ...(secret.length > 0 ? ['secret', String(secret.length), ...secret] : []),
  ]);
}

// ---- batch signing (protocol 2) ---------------------------------------------------------
//
// One Ed25519 signature per batch of runs instead of one per run: the server hashes each
// run's full signing payload into a leaf, builds a Merkle tree over the leaves and signs its
// root; each run travels with the sibling hashes from its leaf to the root. A run is accepted
// only if its own spec hashes, through its path, to a root the pinned key signed, so every
// field of the spec (run id and device id included) is as signed as with a signature of its
// own; changing any byte needs a SHA-256 second preimage. Leaves and inner nodes hash with
// different prefixes (0x00, 0x01, as RFC 9162 does), so an inner node can never pass for a
// leaf. The tree is the RFC 9162 shape: pairs left to right, an odd last node moves up.

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);
// One-shot hashing (Node >= 20.12): a Hash object per node cost more than hashing its bytes.
const sha256 = (...parts: Uint8Array[]): Buffer => hash('sha256', Buffer.concat(parts), 'buffer');

/** The Merkle leaf of one run: SHA-256(0x00 ‖ runSigningPayload(spec)). */
export const runLeafHash = (spec: RunSpec): Buffer => runLeafOfPayload(runSigningPayload(spec));
/** The same from a payload already built (the agent builds it once for all its checks). */
export const runLeafOfPayload = (payload: Uint8Array): Buffer => sha256(LEAF, payload);

/** What the server signs for a batch: its Merkle root and how many runs it holds. */
export const runBatchSigningPayload = (root: Uint8Array, size: number): Buffer =>
  canonicalPayload(RUN_BATCH_CONTEXT, [root, String(size)]);

/** A batch's root and, per leaf (in order), its path of sibling hashes (base64). */
export interface RunBatchTree {
  root: Buffer;
  paths: string[][];
}

/** Builds the tree over `leaves` (at least one) and every leaf's path to the root. */
export function runBatchTree(leaves: readonly Buffer[]): RunBatchTree {
  if (leaves.length === 0) throw new RangeError('runBatchTree needs at least one leaf');
  // Every level but the root, base64, since each node goes into many paths.
  const levels: string[][] = [];
  let level = leaves.slice();
  while (level.length > 1) {
    levels.push(level.map((node) => node.toString('base64')));
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right ? sha256(NODE, level[i], right) : level[i]);
    }
    level = next;
  }
  const paths = leaves.map((_, leaf) => {
    const path: string[] = [];
    let i = leaf;
    for (const nodes of levels) {
      // An odd last node has no sibling at this level: it moves up unchanged.
      const sibling = nodes[i % 2 === 1 ? i - 1 : i + 1];
      if (sibling !== undefined) path.push(sibling);
      i = Math.floor(i / 2);
    }
    return path;
  });
  return { root: level[0], paths };
}

/**
 * The root that `leaf` at `index` of a batch of `size` hashes up to through `path`, or null
 * when the path does not fit that position (too short, too long, malformed).
 */
export function runBatchRoot(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly string[],
): Buffer | null {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) {
    return null;
  }
  let node: Buffer = Buffer.from(leaf);
  let i = index;
  let n = size;
  let used = 0;
  while (n > 1) {
    // An odd last node has no sibling at this level: it moves up unchanged.
    if (i % 2 === 1 || i + 1 < n) {
      const sibling = decodeBase64Exact(path[used], 32);
      if (!sibling) return null;
      used += 1;
      node = i % 2 === 1 ? sha256(NODE, sibling, node) : sha256(NODE, node, sibling);
    }
    i = Math.floor(i / 2);
    n = Math.ceil(n / 2);
  }
  return used === path.length ? node : null;
}

/**
 * Batch signatures already verified, for one public key: `size:root:signature` (base64).
 * Verification is deterministic, so remembering a success changes no outcome; it spares the
 * Ed25519 check when one process holds many agents (simulate) that receive the same batch.
 */
export type VerifiedBatches = Set<string>;
const VERIFIED_BATCHES_MAX = 4096;

/**
 * True only if `publicKey` signed this run: its own signature over its payload, or (with
 * `batch`) a signature over a batch root its payload's leaf hashes up to. `payload` is
 * `runSigningPayload(body.spec)`, passed when the caller already built it; `verified`, a
 * cache of batch signatures this key is known to have made. Never throws.
 */
export function verifyRunSignature(
  publicKey: KeyObject | string,
  body: RunBody,
  payload?: Uint8Array,
  verified?: VerifiedBatches,
): boolean {
  try {
    const signed = payload ?? runSigningPayload(body.spec);
    if (!body.batch) return verifyPayload(publicKey, signed, body.signature);
    const { index, size, path } = body.batch;
    // The run's own part is always checked: its leaf must hash up to the root.
    const root = runBatchRoot(runLeafOfPayload(signed), index, size, path);
    if (root === null) return false;
    const key = `${size}:${root.toString('base64')}:${body.signature}`;
    if (verified?.has(key)) return true;
    if (!verifyPayload(publicKey, runBatchSigningPayload(root, size), body.signature)) return false;
    if (verified) {
      if (verified.size >= VERIFIED_BATCHES_MAX) verified.clear();
      verified.add(key);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Each action kind's fields, in a fixed order, for its run's signature. Counts precede lists
 * so two lists can never trade items. Mapped over `RunActions`: a new kind without an entry
 * here is a compile error.
 */
const ACTION_SIGNING_FIELDS: { readonly [K in ActionKind]: (action: RunActions[K]) => string[] } = {
  agent_update: (a) => [
    a.version,
    String(a.trialTimeoutMs),
    String(a.builds.length),
    ...a.builds.flatMap((b) => [b.platform, b.version, b.sha256, String(b.size), b.signature]),
  ],
  // Absent and empty differ: each optional field is a presence flag, then its value.
  software: (a) => [
    a.operation,
    String(a.packages.length),
    ...a.packages.flatMap((p) => [
      p.manager,
      p.name,
      p.version === undefined ? '0' : '1',
      p.version ?? '',
    ]),
    a.securityOnly === undefined ? '-' : String(a.securityOnly),
    ...(a.installer
      ? [
          '1',
          a.installer.id,
          a.installer.type,
          a.installer.sha256,
          String(a.installer.size),
          String(a.installer.silentArgs.length),
          ...a.installer.silentArgs,
        ]
      : ['0']),
  ],
  collect_logs: collectLogsSigningFields,
  fetch_file: fetchFileSigningFields,
  push_file: pushFileSigningFields,
  search_logs: searchLogsSigningFields,
};

/** What the server signs for each action run: the envelope, the kind, then the kind's fields. */
export function actionRunSigningPayload(spec: ActionRunSpec): Buffer {
  const { action } = spec;
  // The table is keyed by kind, so the entry taken takes exactly this action's shape.
  const fields = (ACTION_SIGNING_FIELDS[action.kind] as (a: RunAction) => string[])(action);
  return canonicalPayload(ACTION_RUN_CONTEXT, [
    spec.runId,
    spec.jobId,
    spec.deviceId,
    String(spec.timeoutMs),
    String(spec.expiresAt),
    String(spec.issuedAt),
    spec.nonce,
    action.kind,
    ...fields,
  ]);
}

export interface AgentBuildFields {
  platform: string;
  version: string;
  /** Lowercase hex SHA-256 of the executable. */
  sha256: string;
}

/**
 * What the server signs for one agent build. The agent checks it before it runs a downloaded
 * binary, so a build is trusted for being the server's, not for where it came from; the run's
 * own signature adds only which device and when.
 */
export const agentBuildSigningPayload = (f: AgentBuildFields): Buffer =>
  canonicalPayload(AGENT_BUILD_CONTEXT, [f.platform, f.version, f.sha256]);

/**
 * HTTP requests a device makes as itself (downloading an agent build), outside its socket:
 * `Authorization: FleetdeskDevice <deviceId>.<epoch ms>.<signature>`, the signature by the
 * device key over this payload. Bound to the method and path, and the server accepts it only
 * within DEVICE_HTTP_AUTH_WINDOW_MS of its own clock.
 */
export const deviceHttpAuthPayload = (f: {
  deviceId: string;
  method: string;
  path: string;
  at: number;
}): Buffer => canonicalPayload(DEVICE_HTTP_CONTEXT, [f.deviceId, f.method, f.path, String(f.at)]);

export const DEVICE_HTTP_AUTH_SCHEME = 'FleetdeskDevice';
export const DEVICE_HTTP_AUTH_WINDOW_MS = 5 * 60_000;

/** The Authorization header value for a device request. */
export function deviceHttpAuthorization(
  privateKey: KeyObject | string,
  f: { deviceId: string; method: string; path: string; at: number },
): string {
  return `${DEVICE_HTTP_AUTH_SCHEME} ${f.deviceId}.${f.at}.${signPayload(privateKey, deviceHttpAuthPayload(f))}`;
}

/** Splits a device Authorization header; null when it is not one. */
export function parseDeviceHttpAuthorization(
  header: string | undefined,
): { deviceId: string; at: number; signature: string } | null {
  const m =
    /^FleetdeskDevice ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{1,16})\.([A-Za-z0-9+/=]{88})$/.exec(
      header ?? '',
    );
  return m ? { deviceId: m[1], at: Number(m[2]), signature: m[3] } : null;
}

export const cancelSigningPayload = (runId: string, deviceId: string): Buffer =>
  canonicalPayload(CANCEL_CONTEXT, [runId, deviceId]);

const isEd25519 = (key: KeyObject, type: 'public' | 'private') =>
  key.type === type && key.asymmetricKeyType === 'ed25519';

/**
 * Parses an Ed25519 public key (SPKI PEM or KeyObject). Returns null for anything else,
 * so enrollment can reject a bad key up front.
 */
export function parsePublicKey(key: KeyObject | string): KeyObject | null {
  if (key instanceof KeyObject) return isEd25519(key, 'public') ? key : null;
  // createPublicKey would happily derive a public key from a private PEM; a private key
  // arriving where a public one belongs means it has leaked, so refuse it.
  if (typeof key !== 'string' || !key.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) {
    return null;
  }
  try {
    const keyObject = createPublicKey(key);
    return isEd25519(keyObject, 'public') ? keyObject : null;
  } catch {
    return null;
  }
}

const PEM_BEGIN = '-----BEGIN PUBLIC KEY-----';
const PEM_END = '-----END PUBLIC KEY-----';
/** DER SubjectPublicKeyInfo of an Ed25519 key: this header (algorithm 1.3.101.112), then 32 bytes. */
const ED25519_SPKI_HEADER = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * True when `pem` is an Ed25519 public key in SPKI PEM form: the answer parsePublicKey gives
 * for a string, without OpenSSL's decoder, which costs ~80 µs of CPU per key (it tries every
 * format it knows). Enrollment checks every device's key with it. An Ed25519 SPKI is always
 * the same 12-byte header and the 32 key bytes, and every 32 bytes are a key OpenSSL accepts,
 * so checking the bytes is the whole check.
 */
export function isEd25519PublicKeyPem(pem: string): boolean {
  if (typeof pem !== 'string') return false;
  // Nothing before the header: OpenSSL refuses that too.
  const text = pem.trimEnd();
  if (!text.startsWith(PEM_BEGIN) || !text.endsWith(PEM_END)) return false;
  const body = text.slice(PEM_BEGIN.length, text.length - PEM_END.length).replace(/\s+/g, '');
  // 44 bytes are 60 base64 characters, the last one padding.
  if (!/^[A-Za-z0-9+/]{59}=$/.test(body)) return false;
  const der = Buffer.from(body, 'base64');
  return der.length === 44 && der.subarray(0, 12).equals(ED25519_SPKI_HEADER);
}

/**
 * The fingerprint of a server key that an operator passes to `enroll --server-key-sha256`:
 * lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo (the bytes inside the PEM, so
 * `openssl pkey -pubin -outform DER | sha256sum` gives the same value). DER, not the PEM
 * text, so line endings or a trailing newline can never change it. Throws on anything but an
 * Ed25519 public key: both sides call it on a key they already accepted.
 */
export function serverKeyFingerprint(publicKey: KeyObject | string): string {
  const key = parsePublicKey(publicKey);
  if (!key) throw new TypeError('serverKeyFingerprint needs an Ed25519 public key');
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Accepts what people paste: any case, optional `sha256:` prefix, colons or spaces between bytes. */
export function normalizeFingerprint(input: string): string | null {
  const hex = input
    .trim()
    .replace(/^sha256:/i, '')
    .replace(/[:\s]/g, '')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/**
 * Signs `payload` with an Ed25519 private key (PKCS#8 PEM or KeyObject); returns base64.
 * Throws on a key that is not Ed25519: the signer owns its key, so that is a setup bug.
 */
export function signPayload(privateKey: KeyObject | string, payload: Uint8Array): string {
  const key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  if (!isEd25519(key, 'private')) throw new TypeError('signPayload needs an Ed25519 private key');
  // Ed25519 hashes internally, hence no digest name.
  return sign(null, payload, key).toString('base64');
}

/**
 * True only if `signature` (base64) is a valid Ed25519 signature of `payload` by
 * `publicKey`. Never throws: every input may come from the peer, and anything malformed
 * is simply not a valid signature.
 */
export function verifyPayload(
  publicKey: KeyObject | string,
  payload: Uint8Array,
  signature: string,
): boolean {
  try {
    const key = parsePublicKey(publicKey);
    const sig = decodeBase64Exact(signature, SIGNATURE_BYTES);
    if (!key || !sig || !(payload instanceof Uint8Array)) return false;
    return verify(null, payload, key, sig);
  } catch {
    return false;
  }
}

/**
 * verifyPayload, with the Ed25519 check run in libuv's thread pool instead of the caller's
 * thread: a server taking thousands of signed uploads at once keeps its event loop for the
 * rest of each request. Same answers, never rejects.
 */
export function verifyPayloadAsync(
  publicKey: KeyObject | string,
  payload: Uint8Array,
  signature: string,
): Promise<boolean> {
  try {
    const key = parsePublicKey(publicKey);
    const sig = decodeBase64Exact(signature, SIGNATURE_BYTES);
    if (!key || !sig || !(payload instanceof Uint8Array)) return Promise.resolve(false);
    return new Promise((resolve) => {
      verify(null, payload, key, sig, (err, ok) => resolve(!err && ok));
    });
  } catch {
    return Promise.resolve(false);
  }
}

export interface PemKeyPair {
  /** SPKI PEM: what the server stores (device key) or the agent pins (server key). */
  publicKey: string;
  /** PKCS#8 PEM: never leaves the machine that made it. */
  privateKey: string;
}

/** A fresh Ed25519 key pair. Used for device identities and for the server's own key. */
export function generateDeviceKeyPair(): PemKeyPair {
  return generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** 32 random bytes, base64: a handshake nonce. */
export const newNonce = (): string => randomBytes(NONCE_BYTES).toString('base64');

/** `count` nonces like newNonce's, from one call to the random source (for thousands of runs). */
export function newNonces(count: number): string[] {
  const bytes = randomBytes(NONCE_BYTES * count);
  return Array.from({ length: count }, (_, i) =>
    bytes.toString('base64', i * NONCE_BYTES, (i + 1) * NONCE_BYTES),
  );
}

/** A field the spec leaves out signs as this, which no present value can equal (min length 1). */
const ABSENT = '';

/**
 * What the server signs for a device's check set: the device, the time, then every field of
 * every check in a fixed order, so dropping, adding or reordering anything breaks it.
 */
export function checksSigningPayload(body: Omit<ChecksBody, 'signature'>): Buffer {
  const opt = (v: string | number | undefined) => (v === undefined ? ABSENT : String(v));
  return canonicalPayload(CHECKS_CONTEXT, [
    body.deviceId,
    String(body.issuedAt),
    String(body.summaryIntervalMs),
    String(body.checks.length),
    ...body.checks.flatMap((c) => [
      c.id,
      c.kind,
      opt(c.thresholdPercent),
      opt(c.mount),
      opt(c.service),
      opt(c.process),
      opt(c.host),
      opt(c.port),
      opt(c.language),
      opt(c.script),
      String(c.intervalMs),
      String(c.timeoutMs),
      String(c.durationMs),
    ]),
  ]);
}

/**
 * What the server signs to start a follow: every field, lists after their counts, so the
 * agent reads exactly the source, under exactly the policy, the server asked for.
 */
export function followStartSigningPayload(body: Omit<FollowStartBody, 'signature'>): Buffer {
  const { source } = body;
  return canonicalPayload(FOLLOW_START_CONTEXT, [
    body.followId,
    body.deviceId,
    source.type,
    source.type === 'file' ? source.path : source.unit,
    String(body.lastLines),
    String(body.linesPerSecond),
    String(body.bytesPerSecond),
    String(body.keepaliveTimeoutMs),
    String(body.issuedAt),
    String(body.expiresAt),
    body.nonce,
    String(body.allow.length),
    ...body.allow,
    String(body.deny.length),
    ...body.deny,
  ]);
}

export const followStopSigningPayload = (followId: string, deviceId: string): Buffer =>
  canonicalPayload(FOLLOW_STOP_CONTEXT, [followId, deviceId]);

export const followKeepaliveSigningPayload = (
  body: Omit<FollowKeepaliveBody, 'signature'>,
): Buffer =>
  canonicalPayload(FOLLOW_KEEPALIVE_CONTEXT, [
    body.deviceId,
    String(body.issuedAt),
    String(body.followIds.length),
    ...body.followIds,
  ]);

/**
 * What the server signs for a directory listing request: every field, lists counted first,
 * so the path, the device, the validity window and the allow/deny lists are all as signed.
 */
export function listDirSigningPayload(body: Omit<ListDirBody, 'signature'>): Buffer {
  return canonicalPayload(LIST_DIR_CONTEXT, [
    body.requestId,
    body.deviceId,
    body.path,
    String(body.maxEntries),
    String(body.allow.length),
    ...body.allow,
    String(body.deny.length),
    ...body.deny,
    String(body.issuedAt),
    String(body.expiresAt),
  ]);
}

/**
 * What the server signs for a device's website-check set: the device, the time, then every
 * field of every check in a fixed order (an absent one as the empty string, which no present
 * value can be), so a URL, a phrase or a check cannot be changed, added or dropped on the way.
 */
export function webChecksSigningPayload(body: Omit<WebChecksBody, 'signature'>): Buffer {
  const opt = (v: string | number | undefined) => (v === undefined ? ABSENT : String(v));
  return canonicalPayload(WEB_CHECKS_CONTEXT, [
    body.deviceId,
    String(body.issuedAt),
    String(body.checks.length),
    ...body.checks.flatMap((c) => [
      c.id,
      c.url,
      String(c.expectedStatus),
      opt(c.latencyLimitMs),
      opt(c.bodyContains),
      opt(c.bodyNotContains),
      c.redirectPolicy,
      String(c.maxRedirects),
      String(c.certWarnDays),
      String(c.intervalMs),
      String(c.timeoutMs),
    ]),
  ]);
}
