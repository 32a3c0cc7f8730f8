import {
  browseRoots,
  childPath,
  type DeviceDetail,
  type DeviceFileEntry,
  pathCrumbs,
} from '@fleetdesk/api-types';
import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import { EmptyState, ErrorAlert, RelativeTime } from '../../../components/common';
import { formatBytes } from '../../../lib/format';
import { useFetchFile, useFolder, usePathLists } from '../files';
import { type Download, DownloadsList } from './DownloadsList';
import { UploadFileModal } from './UploadFileModal';

const TYPE_LABEL: Record<DeviceFileEntry['type'], string> = {
  dir: 'Folder',
  file: 'File',
  symlink: 'Link',
  other: 'Other',
};

/**
 * The device's files within the admin's path lists: a folder at a time, asked live from the
 * agent. Folders and links are entered (a link is judged again where it leads), files and
 * folders downloaded as file transfers, a file uploaded into the folder shown.
 */
export function FilesPanel({ device, canAct }: { device: DeviceDetail; canAct: boolean }) {
  const [path, setPath] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const [uploading, setUploading] = useState(false);
  const [downloads, setDownloads] = useState<Download[]>([]);
  const lists = usePathLists();
  const folder = useFolder(device.id, canAct && device.status === 'online' ? path : null);
  const fetchFile = useFetchFile();

  if (!canAct)
    return (
      <EmptyState title="Browsing files needs the technician role">
        A technician or an administrator can list this device's folders, download and upload.
      </EmptyState>
    );
  if (device.status !== 'online')
    return (
      <EmptyState title={`This device is ${device.status}`}>
        Folders are listed live by the device's agent: come back when it is online.
      </EmptyState>
    );

  const roots = browseRoots(lists.data?.allow ?? []);
  const open = (next: string) => {
    setPath(next);
    setTyped(next);
  };
  const download = (target: string, folder: boolean) =>
    fetchFile.mutate(
      { target: { deviceIds: [device.id] }, path: target },
      { onSuccess: (job) => setDownloads((d) => [{ jobId: job.id, path: target, folder }, ...d]) },
    );

  const listing = folder.data;
  return (
    <Stack gap="sm" data-testid="device-files">
      <Group gap="xs" align="flex-end">
        <TextInput
          label="Folder"
          placeholder="/var/log"
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && typed.trim() && open(typed.trim())}
          style={{ flex: 1 }}
        />
        <Button onClick={() => typed.trim() && open(typed.trim())} disabled={!typed.trim()}>
          Open
        </Button>
        <Button
          variant="default"
          onClick={() => void folder.refetch()}
          disabled={path === null}
          loading={folder.isFetching}
        >
          Refresh
        </Button>
      </Group>
      {roots.length > 0 && (
        <Group gap={6}>
          <Text size="xs" c="dimmed">
            Allowed folders:
          </Text>
          {roots.map((r) => (
            <Button key={r} size="compact-xs" variant="light" onClick={() => open(r)}>
              {r}
            </Button>
          ))}
        </Group>
      )}
      {path === null && (
        <Text size="sm" c="dimmed">
          Pick a folder the path lists allow (Settings of log collection), or type one.
        </Text>
      )}
      {folder.isError && (
        <Alert color="red" title="Cannot list this folder" role="alert">
          {errorMessage(folder.error)}
        </Alert>
      )}
      {path !== null && folder.isPending && <Loader aria-label="Listing the folder" />}
      {listing && (
        <>
          <Group justify="space-between">
            <Breadcrumbs separator="›" data-testid="files-breadcrumb">
              {pathCrumbs(listing.path).map((c) => (
                <Anchor key={c.path} component="button" size="sm" onClick={() => open(c.path)}>
                  {c.name}
                </Anchor>
              ))}
            </Breadcrumbs>
            <Group gap="xs">
              <Button size="xs" variant="light" onClick={() => download(listing.path, true)}>
                Download folder
              </Button>
              <Button size="xs" onClick={() => setUploading(true)}>
                Upload here
              </Button>
            </Group>
          </Group>
          {listing.truncated && (
            <Alert color="yellow" variant="light" data-testid="files-truncated">
              Showing the first {listing.entries.length.toLocaleString()} of{' '}
              {listing.total.toLocaleString()} entries (by name).
            </Alert>
          )}
          <Table.ScrollContainer minWidth={640}>
            <Table striped highlightOnHover data-testid="files-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th ta="right">Size</Table.Th>
                  <Table.Th>Modified</Table.Th>
                  <Table.Th>Mode</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {listing.entries.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={6}>
                      <Text size="sm" c="dimmed">
                        This folder is empty.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {listing.entries.map((e) => {
                  const full = childPath(listing.path, e.name, listing.separator);
                  const enterable = !e.refused && (e.type === 'dir' || e.type === 'symlink');
                  return (
                    <Table.Tr key={e.name} data-testid="file-row" data-name={e.name}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        {enterable ? (
                          <Anchor component="button" size="sm" onClick={() => open(full)}>
                            {e.name}
                            {e.type === 'dir' ? '/' : ''}
                          </Anchor>
                        ) : (
                          <Text size="sm" c={e.refused ? 'dimmed' : undefined}>
                            {e.name}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{TYPE_LABEL[e.type]}</Table.Td>
                      <Table.Td ta="right">{e.refused ? '' : formatBytes(e.size)}</Table.Td>
                      <Table.Td>{e.modifiedAt && <RelativeTime iso={e.modifiedAt} />}</Table.Td>
                      <Table.Td ff="monospace">{e.mode ?? ''}</Table.Td>
                      <Table.Td ta="right">
                        {e.refused ? (
                          <Badge
                            color="gray"
                            variant="light"
                            title={
                              e.refused === 'denied'
                                ? 'A deny rule of the path lists (or the agent’s own state) covers it'
                                : 'No allow rule of the path lists covers it'
                            }
                          >
                            {e.refused === 'denied' ? 'denied' : 'not allowed'}
                          </Badge>
                        ) : e.type === 'file' || e.type === 'dir' ? (
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            onClick={() => download(full, e.type === 'dir')}
                          >
                            Download
                          </Button>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
      {fetchFile.isError && <ErrorAlert error={fetchFile.error} />}
      <DownloadsList downloads={downloads} />
      {listing && (
        <UploadFileModal
          opened={uploading}
          onClose={() => setUploading(false)}
          deviceId={device.id}
          folder={listing.path}
          separator={listing.separator}
          onPushed={() => void folder.refetch()}
        />
      )}
    </Stack>
  );
}
