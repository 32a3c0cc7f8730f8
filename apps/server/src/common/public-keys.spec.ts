import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { parsedPublicKey } from './public-keys';

describe('parsedPublicKey', () => {
  const pem = (type: 'ed25519' | 'rsa'): string =>
    (type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
      : generateKeyPairSync('ed25519').publicKey
    )
      .export({ type: 'spki', format: 'pem' })
      .toString();

  it('parses a PEM once and hands out the same key after', () => {
    const a = pem('ed25519');
    const first = parsedPublicKey(a);
    expect(first).toBeInstanceOf(KeyObject);
    expect(parsedPublicKey(a)).toBe(first);
    // Another device's key is its own entry.
    expect(parsedPublicKey(pem('ed25519'))).not.toBe(first);
  });

  it('returns what does not parse (or is no Ed25519 public key) unchanged, never cached', () => {
    const ed = generateKeyPairSync('ed25519');
    const privatePem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const bad of ['', 'garbage', privatePem, pem('rsa')]) {
      expect(parsedPublicKey(bad)).toBe(bad);
      expect(parsedPublicKey(bad)).toBe(bad);
    }
  });
});
