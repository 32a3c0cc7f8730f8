import type { Systeminformation } from 'systeminformation';
import {
  deviceTimeZone,
  normalizeMac,
  toDiskInfo,
  toNetwork,
  toUsers,
  zoneFromPath,
} from './inventory';
import { toDiskUsage } from './heartbeat';
import { cleanString, clipText, truncate } from './sanitize';

const iface = (over: Partial<Systeminformation.NetworkInterfacesData>) =>
  ({
    iface: 'eth0',
    ip4: '',
    ip6: '',
    mac: '',
    ...over,
  }) as Systeminformation.NetworkInterfacesData;
const fs = (over: Partial<Systeminformation.FsSizeData>) =>
  ({
    fs: '/dev/sda1',
    type: 'ext4',
    size: 100,
    used: 40,
    available: 55,
    mount: '/',
    ...over,
  }) as Systeminformation.FsSizeData;

describe('inventory shaping', () => {
  it('merges every address of an interface and drops invalid ones', () => {
    const network = toNetwork(
      [iface({ ip4: '10.0.0.5', ip6: 'fe80::1%eth0', mac: '02-42-AC-11-00-02' })],
      {
        eth0: [
          {
            address: '10.0.0.5',
            family: 'IPv4',
            mac: '02:42:ac:11:00:02',
            internal: false,
            netmask: '',
            cidr: null,
          },
          {
            address: '10.0.0.6',
            family: 'IPv4',
            mac: '02:42:ac:11:00:02',
            internal: false,
            netmask: '',
            cidr: null,
          },
          {
            address: '2001:db8::5',
            family: 'IPv6',
            mac: '',
            internal: false,
            netmask: '',
            cidr: null,
            scopeid: 0,
          },
        ],
        wg0: [
          { address: 'bogus', family: 'IPv4', mac: '', internal: false, netmask: '', cidr: null },
        ],
      },
    );
    expect(network).toEqual([
      {
        name: 'eth0',
        mac: '02:42:ac:11:00:02',
        ipv4: ['10.0.0.5', '10.0.0.6'],
        ipv6: ['fe80::1', '2001:db8::5'],
      },
      { name: 'wg0', mac: '00:00:00:00:00:00', ipv4: [], ipv6: [] },
    ]);
  });

  it('normalises MAC addresses to the protocol form', () => {
    expect(normalizeMac('AA-BB-CC-DD-EE-FF')).toBe('aa:bb:cc:dd:ee:ff');
    expect(normalizeMac('')).toBe('00:00:00:00:00:00');
    expect(normalizeMac('zz:zz')).toBe('00:00:00:00:00:00');
  });

  it('turns who-style logins into users with a timestamp when it parses', () => {
    const users = toUsers([
      { user: 'alice', tty: 'pts/0', date: '2024-11-24', time: '09:30', ip: '', command: '' },
      { user: 'bob', tty: '', date: '', time: '', ip: '', command: '' },
      { user: '', tty: 'x', date: '', time: '', ip: '', command: '' },
    ]);
    expect(users).toHaveLength(2);
    expect(users[0]).toMatchObject({ name: 'alice', tty: 'pts/0' });
    expect(typeof users[0]?.loginAt).toBe('number');
    expect(users[1]).toEqual({ name: 'bob' });
  });

  it('keeps disks within the limits and skips pseudo file systems in heartbeats', () => {
    const many = Array.from({ length: 300 }, (_, i) => fs({ mount: `/m${i}` }));
    expect(toDiskInfo(many)).toHaveLength(256);
    const usage = toDiskUsage([
      fs({}),
      fs({}),
      fs({ mount: '/proc', size: 0 }),
      fs({ mount: '/x', used: 500, available: 500 }),
      fs({ mount: '/old', available: undefined }),
    ]);
    expect(usage).toEqual([
      { mount: '/', totalBytes: 100, usedBytes: 40, availableBytes: 55 },
      { mount: '/x', totalBytes: 100, usedBytes: 100, availableBytes: 100 },
      { mount: '/old', totalBytes: 100, usedBytes: 40 },
    ]);
    expect(toDiskUsage(many)).toHaveLength(64);
  });

  it('truncates strings without splitting surrogate pairs or keeping NULs', () => {
    expect(truncate('ab🙂', 3)).toBe('ab');
    expect(truncate('abc', 5)).toBe('abc');
    expect(cleanString('a\u0000b', 10)).toBe('ab');
    expect(cleanString(undefined, 10, 'unknown')).toBe('unknown');
    expect(cleanString('x'.repeat(300), 255)).toHaveLength(255);
  });

  it('shows lone surrogates as U+FFFD and keeps pairs, so the server accepts the text', () => {
    expect(cleanString('D:\\\ud800data', 64)).toBe('D:\\\ufffddata');
    expect(cleanString('\udc00x\ud83d', 64)).toBe('\ufffdx\ufffd');
    expect(cleanString('disk 😀', 64)).toBe('disk 😀');
    expect(clipText('a\u0000b\ud800', 10)).toBe('a\ufffdb\ufffd');
    expect(clipText('ab😀', 3)).toBe('ab');
  });
});

describe('deviceTimeZone', () => {
  const files = (link: string | null, timezone: string | null) => ({
    readlink: () => {
      if (link === null) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      return link;
    },
    read: () => {
      if (timezone === null) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return timezone;
    },
  });

  it('reads the /etc/localtime link on Linux and macOS', () => {
    const link = files('/usr/share/zoneinfo/Europe/Paris', null);
    expect(deviceTimeZone('linux', {}, link)).toEqual({ timeZone: 'Europe/Paris' });
    const mac = files('/var/db/timezone/zoneinfo/America/Argentina/Buenos_Aires', null);
    expect(deviceTimeZone('darwin', {}, mac)).toEqual({
      timeZone: 'America/Argentina/Buenos_Aires',
    });
    expect(zoneFromPath('../usr/share/zoneinfo/posix/Asia/Tokyo')).toBe('Asia/Tokyo');
  });

  it('prefers TZ, falls back to /etc/timezone, and leaves out what is no zone name', () => {
    const both = files('/usr/share/zoneinfo/Europe/Paris', 'Europe/Berlin\n');
    expect(deviceTimeZone('linux', { TZ: ':Asia/Tokyo' }, both)).toEqual({
      timeZone: 'Asia/Tokyo',
    });
    expect(deviceTimeZone('linux', {}, files(null, 'Europe/Berlin\n'))).toEqual({
      timeZone: 'Europe/Berlin',
    });
    // A POSIX rule has no IANA name; a copied zone file with no name gives nothing.
    expect(deviceTimeZone('linux', { TZ: 'CET-1CEST,M3.5.0' }, both)).toEqual({});
    expect(deviceTimeZone('linux', {}, files(null, null))).toEqual({});
    expect(deviceTimeZone('linux', {}, files('/etc/zone.bak', ''))).toEqual({});
  });

  it('gives the zone this machine runs in', () => {
    const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zone = deviceTimeZone().timeZone;
    // The runtime may spell the same zone differently (Etc/UTC as UTC): both must agree on now.
    const at = (timeZone: string) =>
      new Intl.DateTimeFormat('en-US', { timeZone, timeStyle: 'long', dateStyle: 'short' }).format(
        new Date(0),
      );
    expect(zone).toBeDefined();
    expect(at(zone!)).toBe(at(here));
  });
});
