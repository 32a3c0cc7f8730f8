import {
  PACKAGE_MANAGERS,
  type PackageManager,
  packageNameProblem,
  packageVersionProblem,
  SOFTWARE_LIMITS,
  type SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import { ActionIcon, Alert, Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, post } from '../../api/client';
import { notifySuccess } from '../../lib/notify';
import { softwareKeys, type TitleRequest } from './api';

interface Row {
  manager: PackageManager;
  name: string;
  version: string;
}

function rowProblem(r: Row): string | null {
  return (
    packageNameProblem(r.manager, r.name.trim()) ??
    // A title's pins are install pins.
    (r.version.trim() ? packageVersionProblem(r.manager, r.version.trim(), 'install') : null)
  );
}

/** A new catalogue title: its name and one package per manager, each with an optional pin. */
export function TitleModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [publisher, setPublisher] = useState('');
  const [rows, setRows] = useState<Row[]>([{ manager: 'apt', name: '', version: '' }]);
  const [attempted, setAttempted] = useState(false);
  const save = useMutation({
    mutationFn: (body: TitleRequest) => post<SoftwareTitleResponse>('/software/titles', body),
    onSuccess: (t) => {
      void client.invalidateQueries({ queryKey: softwareKeys.titles });
      notifySuccess(`Added ${t.name}`);
      onClose();
    },
  });
  const used = new Set(rows.map((r) => r.manager));
  const nameError = attempted && !name.trim() ? 'A name is required' : undefined;
  const submit = () => {
    setAttempted(true);
    if (!name.trim() || rows.some((r) => rowProblem(r))) return;
    save.mutate({
      name: name.trim(),
      ...(publisher.trim() ? { publisher: publisher.trim() } : {}),
      packages: rows.map((r) => ({
        manager: r.manager,
        name: r.name.trim(),
        ...(r.version.trim() ? { version: r.version.trim() } : {}),
      })),
    });
  };
  const setRow = (i: number, patch: Partial<Row>) =>
    setRows((all) => all.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <Modal opened={opened} onClose={onClose} title="Add a software title" size="lg">
      <Stack gap="sm">
        <TextInput
          label="Name"
          maxLength={SOFTWARE_LIMITS.titleNameLength}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={nameError}
        />
        <TextInput
          label="Publisher (optional)"
          value={publisher}
          onChange={(e) => setPublisher(e.currentTarget.value)}
        />
        {rows.map((r, i) => (
          <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
            <Select
              aria-label="Package manager"
              w={110}
              data={PACKAGE_MANAGERS.filter((m) => m === r.manager || !used.has(m))}
              value={r.manager}
              allowDeselect={false}
              onChange={(v) => v && setRow(i, { manager: v })}
            />
            <TextInput
              aria-label="Package name"
              placeholder="package name"
              style={{ flex: 1 }}
              value={r.name}
              onChange={(e) => setRow(i, { name: e.currentTarget.value })}
              error={attempted ? rowProblem(r) : undefined}
            />
            <TextInput
              aria-label="Version pin"
              placeholder="version (optional)"
              w={160}
              value={r.version}
              onChange={(e) => setRow(i, { version: e.currentTarget.value })}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label="Remove this package"
              disabled={rows.length === 1}
              onClick={() => setRows((all) => all.filter((_, j) => j !== i))}
            >
              ×
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            size="xs"
            disabled={used.size >= PACKAGE_MANAGERS.length}
            onClick={() =>
              setRows((all) => [
                ...all,
                { manager: PACKAGE_MANAGERS.find((m) => !used.has(m))!, name: '', version: '' },
              ])
            }
          >
            Add a manager
          </Button>
        </Group>
        {save.isError && (
          <Alert color="red" role="alert" title="The title was not saved">
            {errorMessage(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
