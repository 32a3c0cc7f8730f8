import { LOG_COLLECTION_RULES, type LogBundleResponse } from '@fleetdesk/api-types';
import {
  Anchor,
  Badge,
  Button,
  Center,
  Checkbox,
  CloseButton,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { Fragment, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { formatBytes } from '../../lib/format';
import { shortId } from '../devices/identity';
import { archiveUrl, archivesUrl, type BundleFilter, useBundles } from './api';
import { BundleFiles } from './BundleFiles';
import { BundleSearchPanel } from './BundleSearchPanel';
import { CollectLogsModal } from './CollectLogsModal';

const STATUS_COLOR = { uploading: 'blue', complete: 'green', failed: 'red' } as const;
const MAX = LOG_COLLECTION_RULES.archiveBundles;

function BundleRow({
  b,
  selected,
  onSelect,
  open,
  onOpen,
}: {
  b: LogBundleResponse;
  selected: boolean;
  onSelect: (on: boolean) => void;
  open: boolean;
  onOpen: () => void;
}) {
  return (
    <Fragment>
      <Table.Tr data-testid="bundle-row" data-bundle-id={b.id} data-status={b.status}>
        <Table.Td>
          <Checkbox
            aria-label={`Select the bundle of ${b.deviceName ?? b.deviceId}`}
            checked={selected}
            disabled={b.status !== 'complete'}
            onChange={(e) => onSelect(e.currentTarget.checked)}
          />
        </Table.Td>
        <Table.Td>
          <Anchor component={Link} to={`/devices/${b.deviceId}`}>
            {b.deviceName ?? `Removed device #${shortId(b.deviceId)}`}
          </Anchor>
        </Table.Td>
        <Table.Td>
          <RelativeTime iso={b.collectedAt} />
        </Table.Td>
        <Table.Td>
          <Badge color={STATUS_COLOR[b.status]} variant="light" style={{ textTransform: 'none' }}>
            {b.status === 'uploading'
              ? `uploading ${b.totalBytes ? Math.floor((100 * b.receivedBytes) / b.totalBytes) : 0} %`
              : b.status}
          </Badge>
        </Table.Td>
        <Table.Td>
          <Anchor component="button" size="sm" onClick={onOpen} aria-expanded={open}>
            {b.files.length} file{b.files.length === 1 ? '' : 's'}
            {b.refused.length ? `, ${b.refused.length} refused` : ''} {open ? '▴' : '▾'}
          </Anchor>
        </Table.Td>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatBytes(b.totalBytes)}</Table.Td>
        <Table.Td>
          <Anchor component={Link} to={`/jobs/${b.jobId}`} size="sm">
            Job #{shortId(b.jobId)}
          </Anchor>
        </Table.Td>
        <Table.Td>
          {b.status === 'complete' && (
            <Anchor href={archiveUrl(b.id)} download size="sm">
              .tar.gz
            </Anchor>
          )}
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={8} bg="var(--mantine-color-default-hover)">
            <BundleFiles bundle={b} />
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

/** Collected log bundles: browse their files, view one, download one or many, search them. */
export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const filter: BundleFilter = {
    jobId: params.get('jobId') ?? undefined,
    deviceId: params.get('deviceId') ?? undefined,
  };
  const bundles = useBundles(filter);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [collecting, setCollecting] = useState(false);
  const toggle = (set: Set<string>, id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };
  const items = bundles.data ?? [];
  const complete = items.filter((b) => b.status === 'complete');
  const chosen = [...selected].filter((id) => complete.some((b) => b.id === id));

  return (
    <Stack gap="md">
      <PageHeader
        title="Logs"
        actions={
          <>
            <Button variant="light" component={Link} to="/logs/search">
              Fleet search
            </Button>
            <Button onClick={() => setCollecting(true)}>Collect logs</Button>
          </>
        }
      />
      {(filter.jobId || filter.deviceId) && (
        <Group gap="xs">
          <Text size="sm">
            Showing the bundles of {filter.jobId ? `job #${shortId(filter.jobId)}` : 'one device'}
          </Text>
          <CloseButton
            size="sm"
            aria-label="Show all bundles"
            onClick={() => setParams({}, { replace: true })}
          />
        </Group>
      )}
      {bundles.isPending ? (
        <Center py="xl">
          <Loader aria-label="Loading bundles" />
        </Center>
      ) : bundles.isError ? (
        <ErrorAlert error={bundles.error} onRetry={() => void bundles.refetch()} />
      ) : items.length === 0 && filter.jobId ? (
        <EmptyState title="No bundle from this collection yet">
          Each device uploads its bundle once it has collected; they appear here as they arrive.
        </EmptyState>
      ) : items.length === 0 ? (
        <EmptyState
          title="No log bundles yet"
          action={<Button onClick={() => setCollecting(true)}>Collect logs</Button>}
        >
          Collect log files, journald or the Windows Event Log from devices; each device's files
          arrive here as a bundle you can view, search and download.
        </EmptyState>
      ) : (
        <>
          <Paper withBorder p="xs">
            <Group gap="sm" justify="space-between" data-testid="bundle-selection">
              <Group gap="xs">
                <Checkbox
                  aria-label="Select every complete bundle"
                  checked={chosen.length > 0 && chosen.length === complete.length}
                  indeterminate={chosen.length > 0 && chosen.length < complete.length}
                  onChange={(e) =>
                    setSelected(
                      e.currentTarget.checked ? new Set(complete.map((b) => b.id)) : new Set(),
                    )
                  }
                />
                <Text size="sm">
                  {chosen.length
                    ? `${chosen.length} selected`
                    : 'Select bundles to download or search them together'}
                </Text>
              </Group>
              <Group gap="xs">
                {chosen.length > MAX && (
                  <Text size="sm" c="red">
                    At most {MAX} bundles in one download.
                  </Text>
                )}
                <Button
                  size="xs"
                  component="a"
                  href={chosen.length ? archivesUrl(chosen) : undefined}
                  download
                  disabled={chosen.length === 0 || chosen.length > MAX}
                  data-testid="download-selected"
                >
                  Download .tar.gz
                </Button>
              </Group>
            </Group>
          </Paper>
          <Table.ScrollContainer minWidth={820}>
            <Table verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={36} />
                  <Table.Th>Device</Table.Th>
                  <Table.Th>Collected</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Files</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>Download</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((b) => (
                  <BundleRow
                    key={b.id}
                    b={b}
                    selected={selected.has(b.id)}
                    onSelect={(on) => setSelected((s) => toggle(s, b.id, on))}
                    open={open.has(b.id)}
                    onOpen={() => setOpen((s) => toggle(s, b.id, !s.has(b.id)))}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <BundleSearchPanel bundleIds={chosen} filter={filter} shown={items.length} />
        </>
      )}
      <CollectLogsModal opened={collecting} onClose={() => setCollecting(false)} />
    </Stack>
  );
}
