import type { JobResponse, RunDetailResponse, RunResponse } from '@fleetdesk/api-types';
import { Alert, Box, Group, Loader, MultiSelect, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../../api/client';
import { RunStateBadge } from './JobBits';
import { plainText, prefixLines, runDeviceLabel } from './output-text';
import { OutputTools } from './OutputTools';
import { RunOutput } from './RunOutput';
import { isOpenRun } from './states';

/** At most this many terminals side by side: each is a live view with its own socket feed. */
export const SIDE_BY_SIDE_MAX = 4;

/** Several devices' live output in terminals next to each other (stacked on a phone). */
export function SideBySideOutput({
  runs,
  watchEpoch,
  connected,
}: {
  runs: RunResponse[];
  watchEpoch: number;
  connected: boolean;
}) {
  const [chosen, setChosen] = useState<string[]>(() =>
    runs.slice(0, SIDE_BY_SIDE_MAX).map((r) => r.id),
  );
  const shown = runs.filter((r) => chosen.includes(r.id));
  return (
    <Stack gap="xs" data-testid="side-by-side">
      <MultiSelect
        label={`Devices to show (up to ${SIDE_BY_SIDE_MAX})`}
        data={runs.map((r) => ({ value: r.id, label: runDeviceLabel(r, runs) }))}
        value={chosen}
        onChange={setChosen}
        maxValues={SIDE_BY_SIDE_MAX}
        size="xs"
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
        {shown.map((r) => (
          <Stack key={r.id} gap={4} style={{ minWidth: 0 }}>
            <Group gap="xs" wrap="nowrap">
              <Text size="sm" fw={600} lineClamp={1} style={{ overflowWrap: 'anywhere' }}>
                {runDeviceLabel(r, runs)}
              </Text>
              <RunStateBadge state={r.status} />
            </Group>
            <RunOutput
              runId={r.id}
              label={`Output of ${r.device.displayName}`}
              watchEpoch={watchEpoch}
              connected={connected}
              finalLastSeq={isOpenRun(r.status) ? -1 : r.lastSeq}
              height="min(260px, 45vh)"
            />
          </Stack>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

/**
 * Every listed run's output in one text, each line prefixed with its device, device after
 * device. Loaded over REST and reloaded every few seconds while runs are open.
 */
export function CombinedOutput({ job, runs }: { job: JobResponse; runs: RunResponse[] }) {
  const open = runs.some((r) => isOpenRun(r.status));
  const combined = useQuery({
    queryKey: ['jobs', 'combined', job.id, runs.map((r) => r.id)],
    queryFn: async () => {
      const parts = await Promise.all(
        runs.map(async (r) => {
          const run = await get<RunDetailResponse>(`/runs/${r.id}`, { afterSeq: -1 });
          return prefixLines(
            runDeviceLabel(r, runs),
            plainText(run.output.map((c) => c.data).join('')),
          );
        }),
      );
      return parts.join('');
    },
    refetchInterval: open ? 3000 : false,
    placeholderData: (previous) => previous,
  });
  return (
    <Stack gap="xs" data-testid="combined-output">
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          {runs.length} device{runs.length === 1 ? '' : 's'} on this page, one after another
          {open ? '; refreshed every few seconds while runs are open' : ''}.
        </Text>
        <OutputTools
          name={`${job.name}-combined`}
          load={() => Promise.resolve(combined.data ?? '')}
        />
      </Group>
      {combined.isError && <Alert color="red">Could not load the output.</Alert>}
      <Box
        component="pre"
        role="log"
        aria-label="Combined output"
        data-testid="combined-text"
        m={0}
        p="xs"
        style={{
          background: '#14171c',
          color: '#d7dbe0',
          borderRadius: 'var(--mantine-radius-sm)',
          fontSize: 12,
          maxHeight: 'min(520px, 65vh)',
          overflow: 'auto',
          whiteSpace: 'pre-wrap',
          overflowWrap: 'anywhere',
        }}
      >
        {combined.isPending ? <Loader size="xs" color="gray" /> : combined.data || '(no output)'}
      </Box>
    </Stack>
  );
}
