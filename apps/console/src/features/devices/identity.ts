import type { DeviceResponse } from '@fleetdesk/api-types';
import { osLabel } from './health';

/** The first 8 hex digits of a device's id: enough to tell same-named devices apart. */
export const shortId = (id: string) => id.slice(0, 8);

/** The device's own LAN address, from its inventory (not the address it connected from). */
export const lanAddress = (d: Pick<DeviceResponse, 'ipAddresses'>) => d.ipAddresses[0] ?? null;

/**
 * One line that tells devices with the same name apart: LAN address, where the agent
 * connected from when that differs, OS, and the short id.
 */
export function deviceIdentity(
  d: Pick<DeviceResponse, 'id' | 'ipAddresses' | 'lastIp' | 'os'>,
): string {
  const lan = lanAddress(d);
  const via = d.lastIp && d.lastIp !== lan ? `via ${d.lastIp}` : null;
  return [lan, via, osLabel(d.os), `#${shortId(d.id)}`].filter(Boolean).join(' · ');
}
