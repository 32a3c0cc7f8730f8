import {
  FOLLOW_LIMITS,
  type FollowSourceType,
  followPathProblem,
  isJournalUnit,
} from '@fleetdesk/api-types';
import {
  Alert,
  Badge,
  Box,
  Button,
  Checkbox,
  Group,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useLiveFollow } from './useLiveFollow';

const STATE_COLORS = { starting: 'yellow', following: 'green', ended: 'gray' } as const;

/**
 * "Live log": follow a file or a journald unit on this device (`tail -f`). The device judges
 * the path against the admin's allow/deny lists after resolving it; a refusal shows here
 * with its reason. Lines are text nodes, never markup.
 */
export function LiveLogPanel({ deviceId, online }: { deviceId: string; online: boolean }) {
  const follow = useLiveFollow(deviceId);
  const [type, setType] = useState<FollowSourceType>('file');
  const [path, setPath] = useState('/var/log/syslog');
  const [unit, setUnit] = useState('');
  const [autoScroll, setAutoScroll] = useState(true);
  const [touched, setTouched] = useState(false);
  const view = useRef<HTMLDivElement>(null);

  const problem =
    type === 'file'
      ? followPathProblem(path.trim())
      : isJournalUnit(unit.trim())
        ? null
        : 'a systemd unit name such as nginx.service';

  useEffect(() => {
    if (autoScroll && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [follow.entries, autoScroll]);

  const start = () => {
    setTouched(true);
    if (problem) return;
    follow.start(type === 'file' ? { type, path: path.trim() } : { type, unit: unit.trim() });
  };
  const { status } = follow;

  return (
    <Stack gap="sm" data-testid="live-log">
      <Group align="flex-end" wrap="wrap">
        <SegmentedControl
          value={type}
          onChange={setType}
          data={[
            { value: 'file', label: 'File' },
            { value: 'journald', label: 'journald unit' },
          ]}
          aria-label="Source"
        />
        {type === 'file' ? (
          <TextInput
            label="Path"
            value={path}
            onChange={(e) => setPath(e.currentTarget.value)}
            error={touched && problem}
            w={380}
            data-testid="live-log-path"
          />
        ) : (
          <TextInput
            label="Unit"
            placeholder="nginx.service"
            value={unit}
            onChange={(e) => setUnit(e.currentTarget.value)}
            error={touched && problem}
            w={260}
            data-testid="live-log-unit"
          />
        )}
        {follow.active ? (
          <Button
            color="red"
            variant="light"
            onClick={() => follow.stop()}
            data-testid="live-log-stop"
          >
            Stop
          </Button>
        ) : (
          <Button onClick={start} disabled={!online} data-testid="live-log-start">
            Start
          </Button>
        )}
        <Checkbox
          label="Follow the end"
          checked={autoScroll}
          onChange={(e) => setAutoScroll(e.currentTarget.checked)}
        />
        <Button variant="default" onClick={() => follow.clear()}>
          Clear
        </Button>
      </Group>
      {!online && (
        <Text size="sm" c="dimmed">
          The device is offline: a live follow needs its agent connected.
        </Text>
      )}
      {follow.error && (
        <Alert color="red" variant="light" data-testid="live-log-error">
          {follow.error}
        </Alert>
      )}
      {status && (
        <Group gap="xs" data-testid="live-log-status" data-state={status.state}>
          <Badge color={STATE_COLORS[status.state]} variant="light">
            {status.state}
            {status.reason ? `: ${status.reason}` : ''}
          </Badge>
          <Text size="sm">{status.message}</Text>
          {status.realPath && !status.message.includes(status.realPath) && (
            <Text size="xs" c="dimmed">
              ({status.realPath})
            </Text>
          )}
        </Group>
      )}
      <Box
        ref={view}
        role="log"
        aria-live="off"
        data-testid="live-log-lines"
        onWheel={() => {
          // Scrolling up to read pauses following the end; scrolling back down resumes it.
          const el = view.current;
          if (!el) return;
          setAutoScroll(el.scrollHeight - el.scrollTop - el.clientHeight < 8);
        }}
        style={{
          height: 'min(480px, 60vh)',
          overflow: 'auto',
          fontFamily: 'var(--mantine-font-family-monospace)',
          fontSize: 12,
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-all',
          background: 'var(--mantine-color-dark-8)',
          color: 'var(--mantine-color-gray-2)',
          padding: 8,
          borderRadius: 4,
        }}
      >
        {follow.entries.map((e) =>
          e.kind === 'line' ? (
            <div key={e.key} data-testid="follow-line">
              {e.text}
            </div>
          ) : (
            <div
              key={e.key}
              data-testid="follow-marker"
              style={{ color: 'var(--mantine-color-yellow-4)', fontStyle: 'italic' }}
            >
              — {e.text} —
            </div>
          ),
        )}
      </Box>
      <Text size="xs" c="dimmed">
        The last {FOLLOW_LIMITS.consoleLines.toLocaleString()} lines are kept. The device sends at
        most its rate limit and says how many lines it skipped.
      </Text>
    </Stack>
  );
}
