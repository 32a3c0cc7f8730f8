import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSecretKey, SecretBox, SecretBoxError, secretKeyId } from './secret-box';
import { createKeyFile, readKeyFile, SecretKeyError } from './secret-key';

const key = Buffer.alloc(32, 1);

describe('SecretBox', () => {
  const box = new SecretBox(key);

  it('seals with a fresh nonce each time and opens with the same additional data', () => {
    const a = box.seal('hunter2', 'job:1:sealed_env');
    const b = box.seal('hunter2', 'job:1:sealed_env');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^fd1:[0-9a-f]{16}:[\w-]{16}:[\w-]*:[\w-]{22}$/);
    expect(a).not.toContain('hunter2');
    expect(box.open(a, 'job:1:sealed_env')).toBe('hunter2');
    expect(box.open(box.seal('', 'x'), 'x')).toBe('');
  });

  it('refuses a value moved to another row or field', () => {
    const sealed = box.seal('hunter2', 'job:1:sealed_env');
    expect(() => box.open(sealed, 'job:2:sealed_env')).toThrow(SecretBoxError);
  });

  it('refuses a tampered value', () => {
    const sealed = box.seal('hunter2', 'a');
    const parts = sealed.split(':');
    const ct = Buffer.from(parts[3], 'base64url');
    ct[0] ^= 1;
    parts[3] = ct.toString('base64url');
    expect(() => box.open(parts.join(':'), 'a')).toThrow(/does not authenticate/);
    expect(() => box.open('plain text', 'a')).toThrow(/not a sealed value/);
  });

  it('names the key a value was sealed with when another key tries to open it', () => {
    const other = new SecretBox(Buffer.alloc(32, 2));
    expect(() => other.open(box.seal('x', 'a'), 'a')).toThrow(
      `sealed with key ${box.keyId}, but the configured secret key is ${other.keyId}`,
    );
    expect(box.keyId).toBe(secretKeyId(key));
    expect(box.keyId).not.toBe(other.keyId);
  });

  it('parses 32-byte keys as hex, base64 and base64url only', () => {
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(` ${key.toString('base64')}\n`)).toEqual(key);
    expect(parseSecretKey(Buffer.alloc(32, 0xfb).toString('base64url'))).toEqual(
      Buffer.alloc(32, 0xfb),
    );
    for (const bad of ['', 'short', 'ab'.repeat(31), Buffer.alloc(33).toString('base64')])
      expect(parseSecretKey(bad)).toBeNull();
  });
});

describe('key file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is created with mode 0600 and read back', async () => {
    const path = join(dir, 'nested', 'secret.key');
    const created = await createKeyFile(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readKeyFile(path)).toEqual(created);
    expect(parseSecretKey(await readFile(path, 'utf8'))).toEqual(created);
  });

  it('is never overwritten: racing creators all end up with the first key', async () => {
    const path = join(dir, 'secret.key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => createKeyFile(path)));
    for (const k of keys) expect(k).toEqual(keys[0]);
    expect(await readKeyFile(path)).toEqual(keys[0]);
  });

  it('is refused when others may read it, or when it holds no key', async () => {
    const path = join(dir, 'secret.key');
    expect(await readKeyFile(path)).toBeNull();
    await writeFile(path, key.toString('hex'), { mode: 0o644 });
    await chmod(path, 0o644);
    await expect(readKeyFile(path)).rejects.toThrow(
      new SecretKeyError(
        `the secret key file ${path} has mode 0644; it must be readable by its owner only (chmod 600 ${path})`,
      ),
    );
    await chmod(path, 0o600);
    expect(await readKeyFile(path)).toEqual(key);
    await writeFile(path, 'not a key');
    await expect(readKeyFile(path)).rejects.toThrow(/does not hold a 32-byte key/);
  });
});
