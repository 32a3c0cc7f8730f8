import { exhaustiveList } from './exhaustive-list';

/** Stored resolutions of the heartbeat metrics history: a day of minutes, a month of quarters. */
export type MetricsResolution = '1m' | '15m';
export const METRICS_RESOLUTIONS = exhaustiveList<MetricsResolution>()(['1m', '15m']);
export const METRICS_RESOLUTION_MS: { readonly [R in MetricsResolution]: number } = {
  '1m': 60_000,
  '15m': 900_000,
};
/** Points one series answer may hold (a month of 15-minute buckets is 2,880). */
export const MAX_METRIC_POINTS = 5_000;

/** One time bucket of a device's heartbeats: averages and peaks over `samples` heartbeats. */
export interface MetricPoint {
  /** The bucket's start. */
  at: string;
  samples: number;
  cpuAvg: number;
  cpuMax: number;
  /** Memory in use, percent of total. */
  memAvg: number;
  memMax: number;
  /** The fullest disk's use (df's Use%), peak; null when no disk was reported. */
  diskMax: number | null;
  /** 1-minute load average, mean. */
  loadAvg: number;
}

export interface DeviceMetricsQuery {
  /** ISO 8601; default: `to` minus a day. */
  from?: string;
  /** ISO 8601; default: now. */
  to?: string;
  /** Default: 1m when the range fits in the minute retention and 1,440 points, else 15m. */
  resolution?: MetricsResolution;
}

export interface DeviceMetricsResponse {
  deviceId: string;
  resolution: MetricsResolution;
  from: string;
  to: string;
  points: MetricPoint[];
}

/** Picks the resolution a chart of [from, to) should ask for. */
export function autoResolution(
  fromMs: number,
  toMs: number,
  minuteRetentionMs: number,
  now: number,
) {
  const minutes = (toMs - fromMs) / 60_000;
  return minutes <= 1440 && fromMs >= now - minuteRetentionMs ? '1m' : '15m';
}
