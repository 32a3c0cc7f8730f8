import { INSTALLER_TYPES, installerTypeOf } from '@fleetdesk/api-types';
import {
  Badge,
  Button,
  FileInput,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { del } from '../../api/client';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { notifyError, notifySuccess } from '../../lib/notify';
import { softwareKeys, uploadInstaller, useInstallers, useTitles } from './api';
import { DeploySoftwareModal, type DeployPreset } from './DeploySoftwareModal';
import { TitleModal } from './TitleModal';

const ACCEPT = INSTALLER_TYPES.map((t) => `.${t}`).join(',');

function Titles({ onDeploy }: { onDeploy: (p: DeployPreset) => void }) {
  const canWrite = useCan('technician');
  const client = useQueryClient();
  const titles = useTitles();
  const remove = useMutation({
    mutationFn: (id: string) => del(`/software/titles/${id}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: softwareKeys.titles }),
    onError: (e) => notifyError(e, 'The title was not removed'),
  });
  if (titles.isPending) return <Loader size="sm" aria-label="Loading titles" />;
  if (titles.isError)
    return <ErrorAlert error={titles.error} onRetry={() => void titles.refetch()} />;
  if (titles.data.length === 0)
    return (
      <EmptyState title="No titles yet">
        A title names one piece of software and its package for each package manager.
      </EmptyState>
    );
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Title</Table.Th>
            <Table.Th>Packages</Table.Th>
            <Table.Th>Changed</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {titles.data.map((t) => (
            <Table.Tr key={t.id} data-testid="software-title-row">
              <Table.Td>
                <Text fw={500}>{t.name}</Text>
                {t.publisher && (
                  <Text size="xs" c="dimmed">
                    {t.publisher}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {t.packages.map((p) => (
                    <Badge key={p.manager} variant="light" style={{ textTransform: 'none' }}>
                      {p.manager}: {p.name}
                      {p.version ? ` = ${p.version}` : ''}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <RelativeTime iso={t.updatedAt} />
              </Table.Td>
              <Table.Td>
                {canWrite && (
                  <Group gap="xs" wrap="nowrap">
                    <Button size="xs" variant="light" onClick={() => onDeploy({ titleId: t.id })}>
                      Deploy…
                    </Button>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() => remove.mutate(t.id)}
                      aria-label={`Remove ${t.name}`}
                    >
                      Remove
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Upload() {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [args, setArgs] = useState('');
  const type = file ? installerTypeOf(file.name) : null;
  const upload = useMutation({
    // Split on |: each part becomes its own argv entry on the device, never a shell string.
    mutationFn: () =>
      uploadInstaller(
        file!,
        args
          .split('|')
          .map((a) => a.trim())
          .filter(Boolean),
      ),
    onSuccess: (i) => {
      void client.invalidateQueries({ queryKey: softwareKeys.installers });
      notifySuccess(`Uploaded ${i.fileName} (SHA-256 ${i.sha256.slice(0, 12)}…)`);
      setFile(null);
      setArgs('');
    },
    onError: (e) => notifyError(e, 'The installer was not uploaded'),
  });
  return (
    <Group align="flex-end" gap="xs">
      <FileInput
        label="Installer"
        placeholder={ACCEPT}
        accept={ACCEPT}
        value={file}
        onChange={setFile}
        w={260}
        error={file && !type ? `Not one of ${ACCEPT}` : undefined}
      />
      {(type === 'msi' || type === 'exe') && (
        <TextInput
          label="Silent arguments"
          description="Separated by |, each passed as one argument"
          placeholder="/S | /D=C:\Program Files\App"
          value={args}
          onChange={(e) => setArgs(e.currentTarget.value)}
          w={300}
        />
      )}
      <Button disabled={!file || !type} loading={upload.isPending} onClick={() => upload.mutate()}>
        Upload
      </Button>
    </Group>
  );
}

function Installers({ onDeploy }: { onDeploy: (p: DeployPreset) => void }) {
  const canWrite = useCan('technician');
  const client = useQueryClient();
  const installers = useInstallers();
  // The server refuses (409) while a deployment of the installer is unfinished, and says so.
  const remove = useMutation({
    mutationFn: (id: string) => del(`/software/installers/${id}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: softwareKeys.installers }),
    onError: (e) => notifyError(e, 'The installer was not deleted'),
  });
  if (installers.isPending) return <Loader size="sm" aria-label="Loading installers" />;
  if (installers.isError)
    return <ErrorAlert error={installers.error} onRetry={() => void installers.refetch()} />;
  if (installers.data.length === 0) return <Text c="dimmed">No installers uploaded yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>SHA-256</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Uploaded</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {installers.data.map((i) => (
            <Table.Tr key={i.id} data-testid="software-installer-row">
              <Table.Td>
                {i.fileName}{' '}
                {i.silentArgs.length > 0 && (
                  <Text span size="xs" c="dimmed">
                    {i.silentArgs.join(' ')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text ff="monospace" size="xs" title={i.sha256}>
                  {i.sha256.slice(0, 16)}…
                </Text>
              </Table.Td>
              <Table.Td>{(i.size / 1024 / 1024).toFixed(1)} MB</Table.Td>
              <Table.Td>
                <RelativeTime iso={i.createdAt} />
              </Table.Td>
              <Table.Td>
                {canWrite && (
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => onDeploy({ installerId: i.id })}
                    >
                      Install…
                    </Button>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      loading={remove.isPending && remove.variables === i.id}
                      onClick={() => remove.mutate(i.id)}
                      aria-label={`Delete ${i.fileName}`}
                    >
                      Delete
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The software catalogue (titles and uploaded installers) and the way into a deployment. */
export function SoftwarePage() {
  const canWrite = useCan('technician');
  const [adding, setAdding] = useState(false);
  const [deploy, setDeploy] = useState<DeployPreset | null>(null);
  return (
    <>
      <PageHeader
        title="Software"
        actions={
          canWrite && (
            <Group gap="xs">
              <Button variant="default" onClick={() => setAdding(true)}>
                Add title
              </Button>
              <Button onClick={() => setDeploy({})}>Deploy…</Button>
            </Group>
          )
        }
      />
      <Stack gap="lg">
        <Titles onDeploy={setDeploy} />
        <Title order={3} size="h4">
          Installers
        </Title>
        {canWrite && <Upload />}
        <Installers onDeploy={setDeploy} />
      </Stack>
      <TitleModal opened={adding} onClose={() => setAdding(false)} />
      <DeploySoftwareModal
        opened={deploy !== null}
        onClose={() => setDeploy(null)}
        preset={deploy ?? undefined}
      />
    </>
  );
}
