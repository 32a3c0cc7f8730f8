import { softwareSummary } from '../software/action-label';
import type { RunResponse } from '@fleetdesk/api-types';
import { Anchor, Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { formatDuration } from '../../lib/format';
import { RunStateBadge } from './JobBits';
import { runDurationMs } from './states';

export function exitText(run: RunResponse): string {
  if (run.exitCode !== null) return String(run.exitCode);
  if (run.signal) return run.signal;
  return '—';
}

export function RunsTable({
  runs,
  selectedId,
  now,
  linkTo,
}: {
  runs: RunResponse[];
  selectedId: string | null;
  now: number;
  linkTo: (runId: string) => string;
}) {
  // Names more than one listed device carries: those rows show a short id too.
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const r of runs) {
    if (seen.has(r.device.displayName)) shared.add(r.device.displayName);
    seen.add(r.device.displayName);
  }
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table verticalSpacing={6} highlightOnHover data-testid="runs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th w={150}>State</Table.Th>
            <Table.Th w={60}>Exit</Table.Th>
            <Table.Th w={90}>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => {
            const selected = r.id === selectedId;
            return (
              <Table.Tr
                key={r.id}
                data-testid="run-row"
                data-state={r.status}
                data-run-id={r.id}
                data-selected={selected}
                aria-current={selected ? 'true' : undefined}
                style={
                  selected
                    ? {
                        background: 'var(--mantine-color-default-hover)',
                        boxShadow: 'inset 3px 0 0 var(--mantine-primary-color-filled)',
                      }
                    : undefined
                }
              >
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={linkTo(r.id)}
                    replace
                    size="sm"
                    fw={selected ? 600 : 400}
                    lineClamp={1}
                    title={r.device.hostname}
                  >
                    {r.device.displayName}
                  </Anchor>
                  {r.device.displayName !== r.device.hostname && (
                    <Text size="xs" c="dimmed" lineClamp={1} data-testid="run-hostname">
                      {r.device.hostname}
                    </Text>
                  )}
                  {r.software && (
                    <Text size="xs" c="dimmed" data-testid="run-software">
                      {softwareSummary(r.software)}
                    </Text>
                  )}
                  {shared.has(r.device.displayName) && (
                    <Text size="xs" c="dimmed" ff="monospace">
                      #{r.device.id.slice(0, 8)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <RunStateBadge state={r.status} />
                </Table.Td>
                <Table.Td>
                  <Text
                    size="sm"
                    c={r.exitCode !== null && r.exitCode !== 0 ? 'red' : undefined}
                    data-testid="run-exit"
                  >
                    {exitText(r)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDuration(runDurationMs(r, now))}</Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
