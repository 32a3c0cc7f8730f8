import type { HeartbeatBody } from '@fleetdesk/protocol';

/** What the server pushes to technicians' consoles over socket.io (room "fleet"). */
export interface ConsoleServerEvents {
  'device.status': (e: { deviceId: string; status: 'online' | 'offline'; at: string }) => void;
  'device.metrics': (e: { deviceId: string; metrics: HeartbeatBody; at: string }) => void;
  'device.changed': (e: { deviceId: string }) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- consoles send nothing yet
export interface ConsoleClientEvents {}
