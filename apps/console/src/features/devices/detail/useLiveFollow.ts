import {
  FOLLOW_LIMITS,
  type FollowLinesEvent,
  type FollowSourceRequest,
  type FollowStatusEvent,
} from '@fleetdesk/api-types';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useOnReconnect, useSocket, useSocketEvent } from '../../../api/socket';

/** One row on screen: a log line, or a marker (lines skipped, file rotated, state changes). */
export interface FollowEntry {
  key: number;
  kind: 'line' | 'marker';
  text: string;
}

export interface LiveFollow {
  status: FollowStatusEvent | null;
  entries: FollowEntry[];
  /** An error from the server before anything reached the device. */
  error: string | null;
  active: boolean;
  start(source: FollowSourceRequest): void;
  stop(): void;
  clear(): void;
}

const plural = (n: number, one: string) => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`;

/** The markers a frame of lines carries, in the order they happened before its lines. */
function markersOf(e: FollowLinesEvent): string[] {
  const out: string[] = [];
  if (e.notice) out.push(e.notice);
  if (e.skippedBytes) out.push(`${plural(e.skippedBytes, 'byte')} skipped (rate limit)`);
  if (e.skippedLines) out.push(`${plural(e.skippedLines, 'line')} skipped (rate limit)`);
  return out;
}

/**
 * Live follow of one source on one device over the console socket: start, stop, the lines
 * (at most FOLLOW_LIMITS.consoleLines kept), heartbeats while the page is visible. Leaving
 * the page stops the follow; a lost socket ended it on the server already.
 */
export function useLiveFollow(deviceId: string): LiveFollow {
  const { socket } = useSocket();
  const [status, setStatus] = useState<FollowStatusEvent | null>(null);
  const [entries, setEntries] = useState<FollowEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const followId = useRef<string | null>(null);
  const nextKey = useRef(0);

  const append = useCallback((rows: Omit<FollowEntry, 'key'>[]) => {
    if (rows.length === 0) return;
    const keyed = rows.map((r) => ({ ...r, key: nextKey.current++ }));
    setEntries((prev) => {
      const all = prev.concat(keyed);
      return all.length > FOLLOW_LIMITS.consoleLines
        ? all.slice(all.length - FOLLOW_LIMITS.consoleLines)
        : all;
    });
  }, []);

  useSocketEvent('follow.lines', (e) => {
    if (e.followId !== followId.current) return;
    append([
      ...markersOf(e).map((text) => ({ kind: 'marker' as const, text })),
      ...e.lines.map((text) => ({ kind: 'line' as const, text })),
    ]);
  });
  useSocketEvent('follow.status', (e) => {
    if (e.followId !== followId.current) return;
    setStatus(e);
    if (e.state === 'ended') {
      followId.current = null;
      append([{ kind: 'marker', text: `ended (${e.reason ?? 'unknown'}): ${e.message}` }]);
    }
  });
  // The server ended every follow of the old socket when it dropped.
  useOnReconnect(() => {
    if (!followId.current) return;
    const id = followId.current;
    followId.current = null;
    setStatus({
      followId: id,
      state: 'ended',
      reason: 'disconnected',
      message: 'the connection to the server was lost; start again',
    });
  });

  const stop = useCallback(() => {
    const id = followId.current;
    if (!id) return;
    socket?.emit('follow.stop', id);
    followId.current = null;
    setStatus({ followId: id, state: 'ended', reason: 'stopped', message: 'stopped' });
    append([{ kind: 'marker', text: 'stopped' }]);
  }, [socket, append]);

  const start = useCallback(
    (source: FollowSourceRequest) => {
      if (!socket) return;
      if (followId.current) socket.emit('follow.stop', followId.current);
      followId.current = null;
      setError(null);
      setStatus(null);
      socket.emit('follow.start', { deviceId, source }, (ack) => {
        if (!ack.ok) {
          setError(ack.message);
          return;
        }
        followId.current = ack.followId;
        setStatus((s) =>
          s?.followId === ack.followId
            ? s
            : { followId: ack.followId, state: 'starting', message: 'asking the device' },
        );
      });
    },
    [socket, deviceId],
  );

  const active = status !== null && status.state !== 'ended';

  // Tell the server someone still watches, while the page is visible.
  useEffect(() => {
    if (!active || !socket) return;
    const timer = setInterval(() => {
      const id = followId.current;
      if (id && document.visibilityState === 'visible') socket.emit('follow.heartbeat', id);
    }, FOLLOW_LIMITS.viewerHeartbeatMs);
    return () => clearInterval(timer);
  }, [active, socket]);

  // Leaving the page (or the tab) stops the follow.
  useEffect(
    () => () => {
      if (followId.current) socket?.emit('follow.stop', followId.current);
      followId.current = null;
    },
    [socket],
  );

  const clear = useCallback(() => setEntries([]), []);
  return { status, entries, error, active, start, stop, clear };
}
