import {
  LOG_SEARCH_DEVICE_STATES,
  type LogSearchDeviceResult,
  type LogSearchResponse,
} from '@fleetdesk/api-types';
import { Anchor, Badge, Group, Paper, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState } from '../../components/common';
import type { MatchQuery } from './match-finder';
import { MatchLines } from './MatchLines';
import { SEARCH_STATE, STATE_ORDER } from './search-states';

function StateBadge({ d }: { d: LogSearchDeviceResult }) {
  const look = SEARCH_STATE[d.state];
  return (
    <Tooltip label={look.meaning} multiline w={260}>
      <Badge
        color={look.color}
        variant={look.variant}
        data-search-state={d.state}
        style={{ textTransform: 'none' }}
      >
        {d.state === 'matched'
          ? `${d.matchCount.toLocaleString()} match${d.matchCount === 1 ? '' : 'es'}`
          : look.label}
      </Badge>
    </Tooltip>
  );
}

function DeviceResult({ d, query }: { d: LogSearchDeviceResult; query: MatchQuery }) {
  const [open, setOpen] = useState(false);
  const expandable = d.files.some((f) => f.matchCount > 0) || d.refused.length > 0 || !!d.error;
  return (
    <Paper
      withBorder
      p="xs"
      data-testid="search-device"
      data-device-id={d.deviceId}
      data-state={d.state}
    >
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <UnstyledButton
          onClick={() => setOpen((o) => !o)}
          disabled={!expandable}
          aria-expanded={open}
          style={{ flex: 1, minWidth: 0 }}
        >
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" w={12}>
              {expandable ? (open ? '▾' : '▸') : ''}
            </Text>
            <Text fw={600} truncate>
              {d.hostname}
            </Text>
          </Group>
        </UnstyledButton>
        <Group gap="xs" wrap="nowrap">
          <StateBadge d={d} />
          <Anchor component={Link} to={`/devices/${d.deviceId}`} size="xs">
            device
          </Anchor>
        </Group>
      </Group>
      {open && (
        <Stack gap="sm" mt="sm">
          {d.error && (
            <Text size="sm" c="red">
              {d.error}
            </Text>
          )}
          {d.truncated && (
            <Text size="xs" c="dimmed">
              Only the first matching lines were sent; the count is exact.
            </Text>
          )}
          {d.files
            .filter((f) => f.matchCount > 0)
            .map((f) => (
              <MatchLines key={f.path} file={f} query={query} />
            ))}
          {d.refused.map((r, i) => (
            <Text key={i} size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              Not searched: {r.path} ({r.reason.replace('_', ' ')}): {r.message}
            </Text>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

/** A fleet search's answer, device by device, grouped by state, with the counts on top. */
export function SearchResults({ result, query }: { result: LogSearchResponse; query: MatchQuery }) {
  if (result.devices.length === 0) {
    return (
      <EmptyState title="No device was targeted">The target matched no enrolled device.</EmptyState>
    );
  }
  return (
    <Stack gap="md">
      <Group gap="xs" data-testid="search-counts">
        {LOG_SEARCH_DEVICE_STATES.map((s) => (
          <Badge
            key={s}
            color={SEARCH_STATE[s].color}
            variant={SEARCH_STATE[s].variant}
            data-count-state={s}
            data-count={result.counts[s]}
            style={{ textTransform: 'none' }}
          >
            {SEARCH_STATE[s].label}: {result.counts[s]}
          </Badge>
        ))}
        <Text size="sm" c="dimmed">
          {result.matchCount.toLocaleString()} matching line{result.matchCount === 1 ? '' : 's'} in
          all
        </Text>
      </Group>
      {STATE_ORDER.filter((s) => result.counts[s] > 0).map((s) => (
        <Stack key={s} gap="xs" data-testid="search-group" data-state={s}>
          <Text fw={600} size="sm">
            {SEARCH_STATE[s].label} ({result.counts[s]})
          </Text>
          {result.devices
            .filter((d) => d.state === s)
            .sort((a, b) => b.matchCount - a.matchCount || a.hostname.localeCompare(b.hostname))
            .map((d) => (
              <DeviceResult key={d.runId} d={d} query={query} />
            ))}
        </Stack>
      ))}
    </Stack>
  );
}
