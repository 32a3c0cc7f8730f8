import type { DeviceConnectionStatus } from './devices';
import type { HeartbeatMetrics } from './wire';
import type { OutputStream, RunState } from './jobs';
import type {
  FollowLinesEvent,
  FollowStartAck,
  FollowStartRequest,
  FollowStatusEvent,
} from './log-follow';

/** A device's agent connected or went away (a revoke also sends `offline`). */
export interface DeviceStatusEvent {
  deviceId: string;
  status: DeviceConnectionStatus;
  at: string;
}

/** A heartbeat arrived. */
export interface DeviceMetricsEvent {
  deviceId: string;
  metrics: HeartbeatMetrics;
  at: string;
}

/** Anything else about a device changed (name, group, tags, inventory): refetch it. */
export interface DeviceChangedEvent {
  deviceId: string;
}

/** One chunk of live output, sent to consoles watching the job. */
export interface RunOutputEvent {
  jobId: string;
  runId: string;
  seq: number;
  stream: OutputStream;
  data: string;
}

/** A run changed state, sent to consoles watching the job. */
export interface RunStatusEvent {
  jobId: string;
  runId: string;
  status: RunState;
}

/** A job was created, cancelled, stopped or finished: refetch it (counts also move between these). */
export interface JobChangedEvent {
  jobId: string;
}

/** Alerts fired, were acknowledged or resolved: the inbox and the counts refetch. */
export interface AlertsChangedEvent {
  /** The alerts that changed (empty when too many to list). */
  alertIds: string[];
  /** The devices they are about, so a devices list can refetch only its counts. */
  deviceIds: string[];
}

/**
 * What the server pushes to consoles over socket.io (path `/socket.io`). Every socket is in the
 * fleet room (device.* and job.changed); run.* reach only sockets that watch the job.
 */
export interface ConsoleServerEvents {
  'device.status': (e: DeviceStatusEvent) => void;
  'device.metrics': (e: DeviceMetricsEvent) => void;
  'device.changed': (e: DeviceChangedEvent) => void;
  'run.output': (e: RunOutputEvent) => void;
  'run.status': (e: RunStatusEvent) => void;
  'job.changed': (e: JobChangedEvent) => void;
  'alerts.changed': (e: AlertsChangedEvent) => void;
  /** Live follow: only to the socket that started the follow. */
  'follow.status': (e: FollowStatusEvent) => void;
  'follow.lines': (e: FollowLinesEvent) => void;
}

/**
 * What consoles send. Watching a job joins its room: the console first joins, then loads
 * the output so far over REST, then applies live chunks with a higher seq, so nothing is
 * missed or shown twice.
 */
export interface ConsoleClientEvents {
  'job.watch': (jobId: string, ack?: (ok: boolean) => void) => void;
  'job.unwatch': (jobId: string) => void;
  /**
   * Live follow of a file or journald unit on one device (technicians). The ack says whether
   * the server sent it; what the device answers comes as `follow.status`. Stop with
   * `follow.stop`; an open panel sends `follow.heartbeat` every FOLLOW_LIMITS.viewerHeartbeatMs
   * while the page is visible, else the follow ends after FOLLOW_IDLE_SECONDS. Closing the
   * page (the socket) stops every follow it started.
   */
  'follow.start': (request: FollowStartRequest, ack?: (result: FollowStartAck) => void) => void;
  'follow.stop': (followId: string) => void;
  'follow.heartbeat': (followId: string) => void;
}
