import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import {
  type ActionKind,
  type ActionRunSpec,
  NONCE_BYTES,
  type RunActions,
  type RunSpec,
  SIGNATURE_BYTES,
} from './messages';
import { decodeBase64Exact } from './validate';

/**
 * Context labels make a signature valid for one purpose only: the agent's handshake
 * signature can never be replayed as the server's, or later as a job signature. Bump the
 * suffix if the payload layout ever changes.
 */
export const AGENT_AUTH_CONTEXT = 'fleetdesk-agent-auth-v1';
export const SERVER_AUTH_CONTEXT = 'fleetdesk-server-auth-v1';
export const RUN_CONTEXT = 'fleetdesk-run-v1';
export const CANCEL_CONTEXT = 'fleetdesk-cancel-v1';
export const ACTION_RUN_CONTEXT = 'fleetdesk-action-run-v1';
export const AGENT_BUILD_CONTEXT = 'fleetdesk-agent-build-v1';
export const DEVICE_HTTP_CONTEXT = 'fleetdesk-device-http-v1';

export interface AuthPayloadFields {
  deviceId: string;
  /** base64, exactly as sent in `hello`. */
  serverNonce: string;
  /** base64, exactly as sent in `auth`. */
  agentNonce: string;
}

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
  const parts: Buffer[] = [];
  for (const field of [context, ...fields]) {
    const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : Buffer.from(field);
    if (typeof field === 'string' && bytes.toString('utf8') !== field) {
      throw new TypeError('canonicalPayload: string field is not well-formed UTF-16');
    }
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
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
};

/** What the server signs for each action run: the envelope, the kind, then the kind's fields. */
export function actionRunSigningPayload(spec: ActionRunSpec): Buffer {
  const { action } = spec;
  const fields = ACTION_SIGNING_FIELDS[action.kind](action);
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
