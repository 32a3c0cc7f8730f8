import type {
  JobListQuery,
  JobResponse,
  Page,
  RunDetailResponse,
  RunListQuery,
  RunResponse,
} from '@fleetdesk/api-types';
import { type QueryKey, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { get } from '../../api/client';
import { useSocket } from '../../api/socket';

export const jobKeys = {
  all: ['jobs'] as const,
  lists: ['jobs', 'list'] as const,
  list: (q: JobListQuery) => ['jobs', 'list', q] as const,
  detail: (id: string) => ['jobs', 'detail', id] as const,
  runs: (id: string) => ['jobs', 'runs', id] as const,
  runPage: (id: string, q: RunListQuery) => ['jobs', 'runs', id, q] as const,
  run: (runId: string) => ['jobs', 'run', runId] as const,
};

/** The jobs list; polled every `pollMs` while a listed job is running (its counts move). */
export function useJobs(q: JobListQuery, pollMs: number) {
  return useQuery({
    queryKey: jobKeys.list(q),
    queryFn: () => get<Page<JobResponse>>('/jobs', { ...q }),
    placeholderData: (previous) => previous,
    refetchInterval: (query) =>
      query.state.data?.items.some((j) => j.status === 'running') ? pollMs : false,
  });
}

export function useJob(id: string) {
  return useQuery({
    queryKey: jobKeys.detail(id),
    queryFn: () => get<JobResponse>(`/jobs/${id}`),
  });
}

export function useRuns(jobId: string, q: RunListQuery) {
  return useQuery({
    queryKey: jobKeys.runPage(jobId, q),
    queryFn: () => get<Page<RunResponse>>(`/jobs/${jobId}/runs`, { ...q }),
    placeholderData: (previous) => previous,
  });
}

/** Larger than any seq a run can have: asks for a run's fields without its output. */
const NO_OUTPUT = 2_147_483_647;

/** One run's fields (state, exit code …) without its output. */
export function useRunInfo(runId: string | null) {
  return useQuery({
    queryKey: jobKeys.run(runId ?? ''),
    queryFn: () => get<RunDetailResponse>(`/runs/${runId}`, { afterSeq: NO_OUTPUT }),
    enabled: runId !== null,
  });
}

/**
 * Invalidates the given queries at most once per `ms`, however many events ask for it: a job
 * over thousands of devices sends a status event per run.
 */
export function useThrottledInvalidate(ms: number): (key: QueryKey) => void {
  const client = useQueryClient();
  const pending = useRef(new Map<string, QueryKey>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastRun = useRef(0);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return useCallback(
    (key: QueryKey) => {
      pending.current.set(JSON.stringify(key), key);
      if (timer.current) return;
      const fire = () => {
        timer.current = null;
        lastRun.current = Date.now();
        const keys = [...pending.current.values()];
        pending.current.clear();
        for (const k of keys) void client.invalidateQueries({ queryKey: k });
      };
      const wait = Math.max(0, lastRun.current + ms - Date.now());
      timer.current = setTimeout(fire, wait);
    },
    [client, ms],
  );
}

/**
 * Joins the job's socket room (and again after every reconnect, since rooms do not survive
 * one); returns how many joins were acknowledged, so output views reload after each.
 */
export function useJobWatch(jobId: string): number {
  const { socket } = useSocket();
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    if (!socket) return;
    let active = true;
    const watch = () =>
      socket.emit('job.watch', jobId, (ok) => {
        if (active && ok) setEpoch((e) => e + 1);
      });
    if (socket.connected) watch();
    socket.on('connect', watch);
    return () => {
      active = false;
      socket.off('connect', watch);
      socket.emit('job.unwatch', jobId);
    };
  }, [socket, jobId]);
  return epoch;
}
