import '@xterm/xterm/css/xterm.css';
import type { RunDetailResponse, RunOutputChunk } from '@fleetdesk/api-types';
import { Alert, Box, Button, Group, Loader, Text } from '@mantine/core';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, get } from '../../api/client';
import { useSocketEvent } from '../../api/socket';

/** Bright red for stderr, then back to the default colour: output is text, so ANSI it is. */
const STDERR_ON = '\x1b[91m';
const STDERR_OFF = '\x1b[39m';
/** A chunk arrived past a gap: wait this long for the missing one before asking the server. */
const GAP_WAIT_MS = 400;

interface Tail {
  /** The highest seq written to the terminal; -1 before any. */
  lastSeq: number;
  /** Whether the output so far has been loaded over REST; live chunks wait until then. */
  loaded: boolean;
  /** Live chunks not written yet (before the load, or after a gap), by seq. */
  pending: Map<number, RunOutputChunk>;
  fetching: boolean;
  fetchAgain: boolean;
  /** The job.watch join the last catch-up followed. */
  epochLoaded: number;
  gapTimer: ReturnType<typeof setTimeout> | null;
  /** Text waiting for the next animation frame, so a fast run costs one write per frame. */
  buffer: string;
  frame: number;
}

const newTail = (): Tail => ({
  lastSeq: -1,
  loaded: false,
  pending: new Map(),
  fetching: false,
  fetchAgain: false,
  epochLoaded: 0,
  gapTimer: null,
  buffer: '',
  frame: 0,
});

/**
 * A run's output in a terminal, live. The job is already watched (the page joined its room
 * before `watchEpoch` moved), so: load what is stored over REST, then apply live chunks with
 * a higher seq, in seq order, so nothing is missed or written twice. A gap that does not fill
 * is fetched from the server. Written with term.write, which never interprets HTML.
 */
export function RunOutput({
  runId,
  label,
  watchEpoch,
  connected,
  finalLastSeq,
  height = 'min(420px, 60vh)',
}: {
  runId: string;
  /** CSS height of the terminal; smaller when several are side by side. */
  height?: string;
  /** The terminal's accessible name, e.g. "Output of web-01". */
  label: string;
  /** Counts the page's successful job.watch joins; each (re)join reloads what was missed. */
  watchEpoch: number;
  connected: boolean;
  /** The run's lastSeq once it is final (-1 otherwise): everything up to it must be shown. */
  finalLastSeq: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const tail = useRef<Tail>(newTail());
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [chunks, setChunks] = useState(0);

  /** Writes the buffered text on the next frame, once the terminal is open and sized. */
  const flush = useCallback(() => {
    const s = tail.current;
    if (s.frame || !term.current) return;
    s.frame = requestAnimationFrame(() => {
      s.frame = 0;
      const text = s.buffer;
      s.buffer = '';
      term.current?.write(text);
      setChunks(s.lastSeq + 1);
    });
  }, []);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const t = new Terminal({
      convertEol: true,
      disableStdin: true,
      screenReaderMode: false,
      scrollback: 50_000,
      fontSize: 13,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      cursorBlink: false,
      cursorInactiveStyle: 'none',
      theme: {
        background: '#14171c',
        foreground: '#d7dbe0',
        brightRed: '#ff7070',
        selectionBackground: '#3a4a63',
      },
    });
    const fit = new FitAddon();
    t.loadAddon(fit);
    let opened = false;
    let frame = 0;
    // xterm measures its character cell when it opens: opened in a box with no size yet (a
    // phone layout still settling, a hidden tab) it measures zero and stays blank. So it opens,
    // fits and takes the buffered output only once its box has a size, and fits again on every
    // resize after that.
    const refit = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (el.clientWidth === 0 || el.clientHeight === 0) return;
        if (!opened) {
          t.open(el);
          // Output only: no cursor.
          t.write('\x1b[?25l');
          opened = true;
        }
        try {
          fit.fit();
        } catch {
          // Not measurable yet; the next resize fits it.
        }
        if (!term.current) {
          term.current = t;
          flush();
        }
      });
    };
    refit();
    const observer = new ResizeObserver(refit);
    observer.observe(el);
    const state = tail.current;
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
      cancelAnimationFrame(state.frame);
      state.frame = 0;
      if (state.gapTimer) clearTimeout(state.gapTimer);
      term.current = null;
      t.dispose();
    };
  }, [flush]);

  const write = useCallback(
    (chunk: RunOutputChunk) => {
      const s = tail.current;
      s.buffer += chunk.stream === 'stderr' ? STDERR_ON + chunk.data + STDERR_OFF : chunk.data;
      s.lastSeq = chunk.seq;
      flush();
    },
    [flush],
  );

  // drain and fetchMissing call each other; the ref breaks the cycle.
  const fetchRef = useRef<() => Promise<void>>(() => Promise.resolve());

  /** Writes the pending chunks that continue the output; a gap waits, then is fetched. */
  const drain = useCallback(() => {
    const s = tail.current;
    if (!s.loaded) return;
    let next = s.pending.get(s.lastSeq + 1);
    while (next) {
      s.pending.delete(next.seq);
      write(next);
      next = s.pending.get(s.lastSeq + 1);
    }
    for (const seq of s.pending.keys()) if (seq <= s.lastSeq) s.pending.delete(seq);
    if (s.pending.size > 0 && !s.gapTimer) {
      s.gapTimer = setTimeout(() => {
        s.gapTimer = null;
        if (s.pending.size > 0) void fetchRef.current();
      }, GAP_WAIT_MS);
    }
  }, [write]);

  /** Loads every stored chunk after the last one shown (all of them the first time). */
  const fetchMissing = useCallback(async () => {
    const s = tail.current;
    if (s.fetching) {
      s.fetchAgain = true;
      return;
    }
    s.fetching = true;
    try {
      do {
        s.fetchAgain = false;
        const run = await get<RunDetailResponse>(`/runs/${runId}`, { afterSeq: s.lastSeq });
        // The server's order is the truth: a seq it does not have will never come.
        for (const chunk of run.output) if (chunk.seq > s.lastSeq) write(chunk);
        s.loaded = true;
      } while (s.fetchAgain);
      setStatus('ready');
      setError(null);
    } catch (e) {
      setStatus('error');
      setError(e);
    } finally {
      s.fetching = false;
    }
    drain();
  }, [runId, write, drain]);

  useEffect(() => {
    fetchRef.current = fetchMissing;
  }, [fetchMissing]);

  useSocketEvent('run.output', (e) => {
    if (e.runId !== runId) return;
    const s = tail.current;
    if (e.seq <= s.lastSeq) return;
    s.pending.set(e.seq, { seq: e.seq, stream: e.stream, data: e.data });
    drain();
  });

  // First load, and a catch-up after every (re)join of the job's room. Without a socket at
  // first there is nothing to wait for: load anyway, the page says live updates are paused.
  // (Through the ref, set just above: its state updates all happen after the request.)
  useEffect(() => {
    const s = tail.current;
    if (watchEpoch > s.epochLoaded) {
      s.epochLoaded = watchEpoch;
      void fetchRef.current();
    } else if (!connected && !s.loaded && !s.fetching) {
      void fetchRef.current();
    }
  }, [watchEpoch, connected, fetchMissing]);

  // The run is final: make sure everything up to its last chunk is on screen.
  useEffect(() => {
    const s = tail.current;
    if (s.loaded && finalLastSeq > s.lastSeq) void fetchRef.current();
  }, [finalLastSeq, fetchMissing]);

  return (
    <Box>
      {status === 'error' && (
        <Alert color="red" mb="xs" role="alert" title="Could not load the output">
          <Group justify="space-between">
            <Text size="sm">{errorMessage(error)}</Text>
            <Button size="xs" variant="light" color="red" onClick={() => void fetchMissing()}>
              Try again
            </Button>
          </Group>
        </Alert>
      )}
      <Box
        pos="relative"
        style={{
          background: '#14171c',
          borderRadius: 'var(--mantine-radius-sm)',
          padding: 8,
        }}
      >
        <div
          ref={host}
          data-testid="run-output"
          data-run-id={runId}
          data-chunks={chunks}
          data-loaded={status === 'ready'}
          aria-label={label}
          role="log"
          // The terminal's width comes from this box, never the other way round: at 80
          // columns it would push a phone's layout wider than the screen.
          style={{ height, width: '100%', minWidth: 0, overflow: 'hidden' }}
        />
        {status === 'loading' && (
          <Loader
            size="sm"
            color="gray"
            aria-label="Loading output"
            style={{ position: 'absolute', top: 12, right: 16 }}
          />
        )}
      </Box>
    </Box>
  );
}
