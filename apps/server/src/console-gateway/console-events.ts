import type { HeartbeatBody } from '@fleetdesk/protocol';

/** What the server pushes to technicians' consoles over socket.io (room "fleet"). */
export interface ConsoleServerEvents {
  'device.status': (e: { deviceId: string; status: 'online' | 'offline'; at: string }) => void;
  'device.metrics': (e: { deviceId: string; metrics: HeartbeatBody; at: string }) => void;
  'device.changed': (e: { deviceId: string }) => void;
  'run.output': (e: {
    jobId: string;
    runId: string;
    seq: number;
    stream: 'stdout' | 'stderr';
    data: string;
  }) => void;
  'run.status': (e: { jobId: string; runId: string; status: string }) => void;
  'job.changed': (e: { jobId: string }) => void;
}

/**
 * What consoles send. Watching a job joins its room: the console first joins, then loads
 * the output so far over REST, then applies live chunks with a higher seq, so nothing is
 * missed or shown twice.
 */
export interface ConsoleClientEvents {
  'job.watch': (jobId: string, ack?: (ok: boolean) => void) => void;
  'job.unwatch': (jobId: string) => void;
}
