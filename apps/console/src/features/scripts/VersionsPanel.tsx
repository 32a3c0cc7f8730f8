import type { ScriptResponse, ScriptVersionResponse } from '@fleetdesk/api-types';
import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Modal,
  ScrollArea,
  NavLink,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { ErrorAlert, RelativeTime } from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { useScriptVersion } from './api';
import { CodeEditor } from './CodeEditor';
import { languageLabel } from './languages';
import { paramFromResponse } from './params';
import { ParametersTable } from './ParametersEditor';

/** The history, newest first; each entry opens that version's content. */
export function VersionsList({
  script,
  onOpen,
}: {
  script: ScriptResponse;
  onOpen: (version: number) => void;
}) {
  return (
    <Card withBorder padding="sm">
      <Title order={4} size="h5" mb="xs">
        Versions
      </Title>
      <ScrollArea.Autosize mah={360} type="auto">
        {script.versions.map((v) => (
          <NavLink
            key={v.version}
            component="button"
            onClick={() => onOpen(v.version)}
            aria-label={`View version ${v.version}`}
            data-testid="version-item"
            data-version={v.version}
            label={
              <Group gap={6} wrap="nowrap">
                <Text size="sm" fw={600}>
                  v{v.version}
                </Text>
                {v.version === script.currentVersion && (
                  <Badge size="xs" variant="light" color="green">
                    current
                  </Badge>
                )}
              </Group>
            }
            description={
              <>
                <RelativeTime iso={v.createdAt} /> · {languageLabel(v.language)} ·{' '}
                <span title={`SHA-256 ${v.sha256}`}>{v.sha256.slice(0, 10)}</span>
              </>
            }
          />
        ))}
      </ScrollArea.Autosize>
    </Card>
  );
}

function VersionContent({ v }: { v: ScriptVersionResponse }) {
  return (
    <Stack gap="sm">
      <Group gap="lg">
        <Text size="sm">
          <b>Language:</b> {languageLabel(v.language)}
        </Text>
        <Text size="sm">
          <b>Default timeout:</b> {v.defaultTimeoutSeconds} s
        </Text>
        <Text size="sm">
          <b>Saved:</b> {formatDateTime(v.createdAt)}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        SHA-256 <Code>{v.sha256}</Code>
      </Text>
      <CodeEditor
        value={v.body}
        language={v.language}
        readOnly
        label={`Script body, version ${v.version}`}
        minHeight={200}
        maxHeight={420}
        testId="version-body"
      />
      <Title order={5}>Parameters</Title>
      <ParametersTable params={v.parameters.map(paramFromResponse)} />
    </Stack>
  );
}

/** One older (or the current) version, read-only, with a way to load it into the editor. */
export function VersionModal({
  scriptId,
  version,
  onClose,
  onRestore,
}: {
  scriptId: string;
  version: number | null;
  onClose: () => void;
  /** Absent when the script cannot be edited. */
  onRestore?: (v: ScriptVersionResponse) => void;
}) {
  const query = useScriptVersion(scriptId, version);
  const v = query.data;
  return (
    <Modal
      opened={version !== null}
      onClose={onClose}
      size="xl"
      title={
        <Group gap="xs">
          <Text fw={600}>Version {version}</Text>
          {v?.current && (
            <Badge size="sm" variant="light" color="green">
              current
            </Badge>
          )}
        </Group>
      }
    >
      {query.isPending && <Loader aria-label="Loading version" />}
      {query.isError && <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />}
      {v && (
        <Stack>
          <VersionContent v={v} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            {onRestore && !v.current && (
              <Button onClick={() => onRestore(v)}>Load into editor</Button>
            )}
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
