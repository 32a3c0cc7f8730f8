import { HttpStatus } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppException } from '../common/app-exception';

export const SECRET_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Envelope version 1: `fd1:<key id>:<nonce>:<ciphertext>:<tag>`, base64url parts. */
const PREFIX = 'fd1';
const ENVELOPE = /^fd1:([0-9a-f]{16}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]*):([A-Za-z0-9_-]{22})$/;

/**
 * A sealed value that cannot be opened: the secret key changed, or the row was altered. A
 * request that meets one (re-running such a job, say) gets a 409 saying so instead of a bare
 * 500, and the operator gets the log line, since it points at the key or at tampering.
 */
export class SecretBoxError extends AppException {
  override readonly operatorAttention = true;

  constructor(message: string) {
    super('SECRET_UNREADABLE', message, HttpStatus.CONFLICT);
  }
}

/**
 * Parses a 32-byte key written as 64 hex digits or as base64 / base64url (padding optional).
 * Returns null for anything else.
 */
export function parseSecretKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === SECRET_KEY_BYTES) return key;
  }
  return null;
}

/** A short public name for a key, stored beside each ciphertext; reveals nothing about the key. */
export function secretKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('fleetdesk secret key id').digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM with a random 96-bit nonce per value. The additional data names where the value
 * lives (table, row, field), so a ciphertext copied into another row or field fails to open.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES)
      throw new SecretBoxError('the secret key must be 32 bytes');
    this.keyId = secretKeyId(key);
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(`${PREFIX}:`);
  }

  seal(plaintext: string, aad: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(this.additionalData(aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [nonce, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return [PREFIX, this.keyId, ...parts].join(':');
  }

  open(envelope: string, aad: string): string {
    const m = ENVELOPE.exec(envelope);
    if (!m) throw new SecretBoxError('not a sealed value (expected fd1:…)');
    const [, keyId, nonce, ciphertext, tag] = m;
    if (keyId !== this.keyId)
      throw new SecretBoxError(
        `sealed with key ${keyId}, but the configured secret key is ${this.keyId}`,
      );
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(this.additionalData(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        `a sealed value for ${aad} does not authenticate: the stored value was altered, or it was sealed with another secret key (FLEETDESK_SECRET_KEY or DATA_DIR/secret.key)`,
      );
    }
  }

  /** The envelope version is authenticated too, so a later format cannot be downgraded. */
  private additionalData(aad: string): Buffer {
    return Buffer.from(`${PREFIX}\u0000${aad}`, 'utf8');
  }
}
