import type { DeviceResponse } from '@fleetdesk/api-types';
import { osLabel } from './health';

/** The first 8 hex digits of a device's id: enough to tell same-named devices apart. */
export const shortId = (id: string) => id.slice(0, 8);

const LOOPBACK_OR_LINK_LOCAL = /^(127\.|::1$|169\.254\.|fe80:)/i;

/** The device's own addresses without loopback and link-local ones, IPv4 first. */
export function lanAddresses(d: Pick<DeviceResponse, 'ipAddresses'>): string[] {
  const usable = d.ipAddresses.filter((ip) => !LOOPBACK_OR_LINK_LOCAL.test(ip));
  return [...usable.filter((ip) => !ip.includes(':')), ...usable.filter((ip) => ip.includes(':'))];
}

/** The device's own LAN address, from its inventory (not the address it connected from). */
export const lanAddress = (d: Pick<DeviceResponse, 'ipAddresses'>) => lanAddresses(d)[0] ?? null;

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
