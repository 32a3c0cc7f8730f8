import type { LogBundleResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Code, Group, List, Stack, Table, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router-dom';
import { formatBytes } from '../../lib/format';
import { fileUrl } from './api';

/** A bundle's files (size, SHA-256, view, download) and what the device refused to send. */
export function BundleFiles({ bundle }: { bundle: LogBundleResponse }) {
  return (
    <Stack gap="xs" data-testid="bundle-files" data-bundle-id={bundle.id}>
      {bundle.error && (
        <Text size="sm" c="red">
          {bundle.error}
        </Text>
      )}
      {bundle.files.length === 0 ? (
        <Text size="sm" c="dimmed">
          No file was collected.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing={4} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>SHA-256</Table.Th>
                <Table.Th>Open</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {bundle.files.map((f) => (
                <Table.Tr key={f.index} data-testid="bundle-file" data-path={f.path}>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    <Tooltip
                      label={`Resolved on the device to ${f.realPath}`}
                      disabled={f.realPath === f.path}
                    >
                      <span>{f.path}</span>
                    </Tooltip>
                    {f.truncated && (
                      <Badge ml="xs" size="xs" color="orange" variant="light">
                        cut at limit
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {f.complete
                      ? formatBytes(f.size)
                      : `${formatBytes(f.receivedBytes)} of ${formatBytes(f.size)}`}
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={f.sha256}>
                      <Code data-testid="file-sha256" data-sha256={f.sha256}>
                        {f.sha256.slice(0, 12)}…
                      </Code>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    {f.complete ? (
                      <Group gap="sm" wrap="nowrap">
                        <Anchor component={Link} to={`/logs/bundles/${bundle.id}/files/${f.index}`}>
                          View
                        </Anchor>
                        <Anchor href={fileUrl(bundle.id, f.index)} download>
                          Download
                        </Anchor>
                      </Group>
                    ) : (
                      <Text size="sm" c="dimmed">
                        uploading
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {bundle.refused.length > 0 && (
        <div>
          <Text size="sm" fw={600}>
            Refused on the device
          </Text>
          <List size="sm" data-testid="bundle-refused">
            {bundle.refused.map((r, i) => (
              <List.Item key={i} style={{ overflowWrap: 'anywhere' }}>
                {r.path} — {r.reason.replace('_', ' ')}: {r.message}
              </List.Item>
            ))}
          </List>
        </div>
      )}
    </Stack>
  );
}
