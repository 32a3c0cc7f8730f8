import type { LogBundleFileResponse, LogBundleResponse } from '@fleetdesk/api-types';
import { Anchor, Button, Center, Code, Group, Loader, Progress, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { formatBytes } from '../../lib/format';
import { fileUrl, useBundle } from './api';
import { FindBar } from './FindBar';
import { LevelCache } from './levels';
import { LogLine } from './LogLine';
import { type LogText, lineAt, lineEnd, lineOfOffset } from './log-text';
import { type Matches, type MatchQuery, matchesBetween, stepMatch } from './match-finder';
import { patternProblem } from './sources';
import { useFindInLog } from './useFindInLog';
import { useLogText, VIEWER_MAX_BYTES } from './useLogText';
import { type ScrollRequest, VirtualLog } from './VirtualLog';

const ROW_HEIGHT = 20;

interface Position {
  matches: Matches;
  /** The current match's number, -1 for none. */
  k: number;
  scroll: ScrollRequest | null;
}

export const fileName = (path: string) => path.split(/[\\/]/).pop() || path;

function LogBody({ log, title }: { log: LogText; title: string }) {
  const [text, setText] = useState('');
  const [regex, setRegex] = useState(false);
  const [matchCase, setMatchCase] = useState(false);
  const [debounced] = useDebouncedValue(text, 250);
  const draft = {
    mode: regex ? 'regex' : 'substring',
    pattern: debounced,
    ignoreCase: !matchCase,
  } as const;
  const problem = debounced ? patternProblem(draft) : undefined;
  const query = useMemo<MatchQuery | null>(
    () =>
      debounced && !problem
        ? { mode: regex ? 'regex' : 'substring', pattern: debounced, ignoreCase: !matchCase }
        : null,
    [debounced, problem, regex, matchCase],
  );
  const find = useFindInLog(log, query);
  const { matches } = find;
  const levels = useMemo(() => new LevelCache((i) => lineAt(log, i), log.lineCount), [log]);
  // Where we are among the matches, for the matches it was chosen in; a new answer starts at
  // its first match.
  const [pos, setPos] = useState<Position | null>(null);
  const start = useMemo<Position>(
    () => ({
      matches,
      k: matches.count > 0 ? 0 : -1,
      scroll: matches.count > 0 ? { row: lineOfOffset(log, matches.starts[0]), nonce: 0 } : null,
    }),
    [log, matches],
  );
  const at = pos?.matches === matches ? pos : start;
  const current = at.k;

  const step = useCallback(
    (direction: 1 | -1) => {
      const k = stepMatch(current, matches.count, direction);
      setPos({
        matches,
        k,
        scroll: k >= 0 ? { row: lineOfOffset(log, matches.starts[k]), nonce: Date.now() } : null,
      });
    },
    [current, matches, log],
  );

  // F3 / Shift+F3 anywhere on the page, as in editors and browsers.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'F3') return;
      e.preventDefault();
      step(e.shiftKey ? -1 : 1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [step]);

  const gutter = String(log.lineCount).length;
  const renderRow = (i: number) => {
    const start = log.lineStarts[i];
    const end = lineEnd(log, i);
    return (
      <LogLine
        key={i}
        n={i + 1}
        text={log.text.slice(start, end)}
        level={levels.levelOf(i)}
        marks={matches.count ? matchesBetween(matches, start, end) : []}
        current={current}
        height={ROW_HEIGHT}
        gutter={gutter}
      />
    );
  };

  if (log.lineCount === 0) {
    return <EmptyState title="This file is empty">The device sent a file of 0 bytes.</EmptyState>;
  }
  return (
    <Stack gap="xs">
      <FindBar
        text={text}
        onText={setText}
        regex={regex}
        onRegex={setRegex}
        matchCase={matchCase}
        onMatchCase={setMatchCase}
        problem={problem}
        find={find}
        current={current}
        onStep={step}
      />
      <Text size="xs" c="dimmed" data-testid="line-count">
        {log.lineCount.toLocaleString()} line{log.lineCount === 1 ? '' : 's'}
      </Text>
      <VirtualLog
        rowCount={log.lineCount}
        rowHeight={ROW_HEIGHT}
        height="max(320px, calc(100dvh - 330px))"
        renderRow={renderRow}
        scrollTo={at.scroll}
        label={title}
      />
    </Stack>
  );
}

function FileView({ bundle, file }: { bundle: LogBundleResponse; file: LogBundleFileResponse }) {
  const viewable = file.complete && file.size <= VIEWER_MAX_BYTES;
  const state = useLogText(bundle.id, file.index, viewable);
  if (!file.complete) {
    return (
      <EmptyState title="Still uploading">
        {formatBytes(file.receivedBytes)} of {formatBytes(file.size)} have arrived; this page
        updates on its own.
      </EmptyState>
    );
  }
  if (!viewable) {
    return (
      <EmptyState title="Too large to view in the browser">
        This file is {formatBytes(file.size)}; the viewer opens files up to{' '}
        {formatBytes(VIEWER_MAX_BYTES)}. Download it instead.
      </EmptyState>
    );
  }
  if (state.status === 'error') return <ErrorAlert error={state.error} />;
  if (state.status === 'loading') {
    return (
      <Stack gap="xs" py="md" data-testid="log-loading">
        <Text size="sm">
          Loading {formatBytes(state.received)} of {formatBytes(file.size)}…
        </Text>
        <Progress value={file.size ? (100 * state.received) / file.size : 0} />
      </Stack>
    );
  }
  return <LogBody log={state.log} title={file.path} />;
}

/** One file of a bundle in the log viewer (GET /api/log-bundles/:id/files/:index). */
export function LogViewerPage() {
  const { id = '', index = '' } = useParams();
  const bundle = useBundle(id);
  const n = Number(index);
  if (bundle.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label="Loading bundle" />
      </Center>
    );
  }
  if (bundle.isError)
    return <ErrorAlert error={bundle.error} onRetry={() => void bundle.refetch()} />;
  const b = bundle.data;
  const file = b.files.find((f) => f.index === n);
  if (!file) {
    return (
      <EmptyState
        title="No such file in this bundle"
        action={
          <Button component={Link} to="/logs" variant="light">
            Back to logs
          </Button>
        }
      />
    );
  }
  return (
    <Stack gap="sm">
      <PageHeader
        title={fileName(file.path)}
        actions={
          <Button component="a" href={fileUrl(b.id, file.index)} download variant="light">
            Download
          </Button>
        }
      />
      <Group gap="md" wrap="wrap">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          <Code>{file.path}</Code>
        </Text>
        <Text size="sm">
          <Anchor component={Link} to={`/devices/${b.deviceId}`}>
            {b.deviceName ?? 'Removed device'}
          </Anchor>{' '}
          · collected <RelativeTime iso={b.collectedAt} /> · {formatBytes(file.size)}
          {file.truncated ? ' (cut at the size limit)' : ''}
        </Text>
        <Anchor component={Link} to={`/logs?jobId=${b.jobId}`} size="sm">
          All files of this collection
        </Anchor>
      </Group>
      <FileView bundle={b} file={file} />
    </Stack>
  );
}
