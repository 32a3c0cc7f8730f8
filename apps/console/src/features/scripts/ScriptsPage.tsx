import type { ScriptLanguage, ScriptSummaryResponse } from '@fleetdesk/api-types';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Select,
  Switch,
  Table,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { RunScriptModal } from '../jobs/RunScriptModal';
import { useScripts } from './api';
import { LANGUAGES, languageLabel } from './languages';

const PAGE_SIZE = 50;

function ScriptRow({
  script,
  canRun,
  onRun,
}: {
  script: ScriptSummaryResponse;
  canRun: boolean;
  onRun: () => void;
}) {
  const archived = script.archivedAt !== null;
  return (
    <Table.Tr data-testid="script-row" data-script-id={script.id} data-builtin={script.builtin}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Anchor component={Link} to={`/scripts/${script.id}`} fw={500}>
            {script.name}
          </Anchor>
          {script.builtin && (
            <Tooltip label="Shipped with Fleetdesk: read-only. Duplicate it to make your own.">
              <Badge size="sm" variant="outline" color="gray" style={{ textTransform: 'none' }}>
                Built-in
              </Badge>
            </Tooltip>
          )}
          {archived && (
            <Badge size="sm" variant="light" color="red" style={{ textTransform: 'none' }}>
              Archived
            </Badge>
          )}
        </Group>
        {script.description && (
          <Text size="xs" c="dimmed" lineClamp={1} title={script.description}>
            {script.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" style={{ textTransform: 'none' }}>
          {languageLabel(script.language)}
        </Badge>
      </Table.Td>
      <Table.Td>{script.parameterCount}</Table.Td>
      <Table.Td>v{script.currentVersion}</Table.Td>
      <Table.Td>
        <Group gap={4}>
          {script.tags.map((t) => (
            <Badge key={t} size="xs" variant="dot" color="gray" style={{ textTransform: 'none' }}>
              {t}
            </Badge>
          ))}
        </Group>
      </Table.Td>
      <Table.Td>
        <RelativeTime iso={script.updatedAt} />
      </Table.Td>
      <Table.Td>
        {canRun && !archived && (
          <Button size="xs" variant="light" onClick={onRun} aria-label={`Run ${script.name}`}>
            Run…
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** The script library: search, filter by language, open, run; technicians add scripts. */
export function ScriptsPage() {
  const canWrite = useCan('technician');
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(search.trim(), 250);
  const language = (params.get('language') as ScriptLanguage | null) ?? undefined;
  const archived = params.get('archived') === 'true';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [running, setRunning] = useState<string | null>(null);

  const update = (changes: Record<string, string | null>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null || v === '') next.delete(k);
          else next.set(k, v);
        }
        if (!('page' in changes)) next.delete('page');
        return next;
      },
      { replace: true },
    );

  const query = useScripts({
    q: q || undefined,
    language,
    archived: archived || undefined,
    page,
    pageSize: PAGE_SIZE,
  });
  const filtered = Boolean(q || language || archived);
  // The URL follows the debounced search, so a link or a reload keeps it.
  const urlQ = params.get('q') ?? '';
  useEffect(() => {
    if (q !== urlQ) update({ q: q || null });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- update is rebuilt every render
  }, [q, urlQ]);

  return (
    <>
      <PageHeader
        title="Scripts"
        actions={
          canWrite && (
            <Button component={Link} to="/scripts/new">
              New script
            </Button>
          )
        }
      />
      <Group mb="md" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Name or description"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
          rightSection={query.isFetching ? <Loader size="xs" /> : null}
        />
        <Select
          label="Language"
          placeholder="Any language"
          data={LANGUAGES}
          value={language ?? null}
          onChange={(v) => update({ language: v })}
          clearable
          w={180}
        />
        <Switch
          label="Show archived"
          checked={archived}
          onChange={(e) => update({ archived: e.currentTarget.checked ? 'true' : null })}
          mb={8}
        />
      </Group>

      {query.isError && <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />}
      {query.isPending && <Loader aria-label="Loading scripts" />}
      {query.data && query.data.items.length === 0 && (
        <EmptyState
          title={filtered ? 'No script matches these filters' : 'No scripts yet'}
          action={
            filtered ? (
              <Button
                variant="light"
                onClick={() => {
                  setSearch('');
                  update({ q: null, language: null, archived: null });
                }}
              >
                Clear filters
              </Button>
            ) : (
              canWrite && (
                <Button component={Link} to="/scripts/new">
                  Write your first script
                </Button>
              )
            )
          }
        >
          {filtered
            ? 'Try another search or language.'
            : 'Scripts are versioned and can take parameters. Write one, then run it on devices.'}
        </EmptyState>
      )}
      {query.data && query.data.items.length > 0 && (
        <>
          <Table.ScrollContainer minWidth={900}>
            <Table highlightOnHover verticalSpacing="xs" data-testid="scripts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={130}>Language</Table.Th>
                  <Table.Th w={100}>Parameters</Table.Th>
                  <Table.Th w={80}>Version</Table.Th>
                  <Table.Th w={240}>Tags</Table.Th>
                  <Table.Th w={110}>Updated</Table.Th>
                  <Table.Th w={80}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((s) => (
                  <ScriptRow
                    key={s.id}
                    script={s}
                    canRun={canWrite}
                    onRun={() => setRunning(s.id)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={PAGE_SIZE}
            total={query.data.total}
            onPage={(p) => update({ page: String(p) })}
            noun="scripts"
          />
        </>
      )}
      {canWrite && (
        <RunScriptModal
          opened={running !== null}
          onClose={() => setRunning(null)}
          initialScriptId={running ?? undefined}
        />
      )}
    </>
  );
}
