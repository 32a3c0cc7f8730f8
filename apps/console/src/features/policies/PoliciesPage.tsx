import type { PolicyResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { RelativeTime } from '../../components/common';
import { CrudListPage } from '../../components/CrudListPage';
import { useDeletePolicy, usePolicies } from './api';
import { PolicyFormModal } from './PolicyFormModal';

function Attachments({ p }: { p: PolicyResponse }) {
  return (
    <Group gap={4}>
      {p.target.groups.map((g) => (
        <Badge key={g.id} variant="light" style={{ textTransform: 'none' }}>
          group {g.name}
        </Badge>
      ))}
      {p.target.tags.map((t) => (
        <Badge key={t} variant="outline" style={{ textTransform: 'none' }}>
          tag {t}
        </Badge>
      ))}
    </Group>
  );
}

function ScheduleList({ p }: { p: PolicyResponse }) {
  if (p.schedules.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No schedules
      </Text>
    );
  return (
    <Stack gap={2}>
      {p.schedules.map((s) => (
        <Text key={s.id} size="sm">
          {s.name}{' '}
          <Text span size="xs" c="dimmed">
            {s.paused ? '(paused)' : s.nextDueAt ? <RelativeTime iso={s.nextDueAt} /> : '(done)'}
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

function CheckList({ p }: { p: PolicyResponse }) {
  if (p.checks.length === 0) return null;
  return (
    <Stack gap={2} mt={4} data-testid="policy-checks">
      {p.checks.map((c) => (
        <Text key={c.id} size="sm">
          <Anchor component={Link} to={`/agent-checks/${c.id}`} size="sm">
            {c.name}
          </Anchor>{' '}
          <Text span size="xs" c="dimmed">
            (check{c.enabled ? '' : ', disabled'})
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

export function PoliciesPage() {
  const canWrite = useCan('technician');
  const remove = useDeletePolicy();

  return (
    <CrudListPage<PolicyResponse>
      title="Automation policies"
      createLabel="New policy"
      canWrite={canWrite}
      useList={usePolicies}
      noun="policies"
      emptyText="A policy bundles schedules and attaches them to groups and tags: every device there, now or later, inherits them."
      testId="policies-table"
      minWidth={760}
      rowProps={(p) => ({ 'data-testid': 'policy-row', 'data-policy-id': p.id })}
      columns={[
        {
          header: 'Policy',
          cell: (p) => (
            <>
              <Text size="sm" fw={500}>
                {p.name}
              </Text>
              {p.description && (
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {p.description}
                </Text>
              )}
            </>
          ),
        },
        { header: 'Attached to', cell: (p) => <Attachments p={p} /> },
        {
          header: 'Schedules (next run) and checks',
          cell: (p) => (
            <>
              <ScheduleList p={p} />
              <CheckList p={p} />
            </>
          ),
        },
      ]}
      form={PolicyFormModal}
      remove={{
        mutation: remove,
        confirmLabel: 'Delete',
        consequence:
          'Its devices stop inheriting its schedules. The schedules themselves stay, and keep running on their own targets.',
        title: (name) => `Delete policy “${name}”?`,
        done: (name) => `Policy “${name}” deleted.`,
      }}
    />
  );
}
