import type { KeyObject } from 'node:crypto';
import { parsePublicKey } from '@fleetdesk/protocol';

/** Past this many keys the cache starts over (public keys only: nothing secret is held). */
const MAX_KEYS = 20_000;
const keys = new Map<string, KeyObject>();

/**
 * A device's enrolled public key (PEM), parsed once per process and shared by the socket
 * handshake and the device's signed HTTP requests: parsing costs ~0.2 ms of the event loop,
 * once per handshake and again on each device's first upload before it was shared. Keyed by
 * the PEM itself, so a re-enrolled key is a new entry and a revoked device is still refused
 * by its identity lookup. A PEM that does not parse is returned as it is: the verifier then
 * refuses it, as it refuses garbage.
 */
export function parsedPublicKey(pem: string): KeyObject | string {
  let key = keys.get(pem);
  if (!key) {
    const parsed = parsePublicKey(pem);
    if (!parsed) return pem;
    if (keys.size >= MAX_KEYS) keys.clear();
    key = parsed;
    keys.set(pem, key);
  }
  return key;
}
