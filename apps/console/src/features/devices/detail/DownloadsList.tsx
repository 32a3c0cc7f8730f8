import { Anchor, Card, Group, Loader, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { formatBytes } from '../../../lib/format';
import { bundleFileUrl, useDownload } from '../files';

export interface Download {
  jobId: string;
  path: string;
  /** A folder comes as a .tar of what the path lists allow in it. */
  folder: boolean;
}

function DownloadRow({ jobId, path, folder }: Download) {
  const state = useDownload(jobId);
  const s = state.data;
  const name = path.split(/[\\/]/).filter(Boolean).pop() ?? path;
  return (
    <Group justify="space-between" data-testid="download-row" data-path={path} wrap="nowrap">
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {path}
      </Text>
      <Group gap="xs" wrap="nowrap">
        {s?.ready && s.bundle ? (
          <Anchor
            href={bundleFileUrl(s.bundle.id)}
            download={folder ? `${name}.tar` : name}
            size="sm"
            data-testid="download-ready"
          >
            Save ({formatBytes(s.bundle.totalBytes)})
          </Anchor>
        ) : s?.failed ? (
          <Text size="sm" c="red" data-testid="download-failed">
            {s.failed}
          </Text>
        ) : (
          <>
            <Loader size="xs" />
            <Text size="xs" c="dimmed">
              {s?.bundle
                ? `uploading ${formatBytes(s.bundle.receivedBytes)} of ${formatBytes(s.bundle.totalBytes)}`
                : (s?.run?.status ?? 'starting')}
            </Text>
          </>
        )}
        <Anchor component={Link} to={`/jobs/${jobId}`} size="xs">
          job
        </Anchor>
      </Group>
    </Group>
  );
}

/** The downloads started from this page, each offering its copy once the device sent it. */
export function DownloadsList({ downloads }: { downloads: Download[] }) {
  if (downloads.length === 0) return null;
  return (
    <Card withBorder data-testid="downloads">
      <Text fw={500} size="sm" mb="xs">
        Downloads
      </Text>
      <Stack gap={6}>
        {downloads.map((d) => (
          <DownloadRow key={d.jobId} {...d} />
        ))}
      </Stack>
    </Card>
  );
}
