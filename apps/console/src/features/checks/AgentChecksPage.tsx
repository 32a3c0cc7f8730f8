import type { AgentCheckResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { CrudListPage } from '../../components/CrudListPage';
import { useGroupName } from '../devices/FacetSelects';
import { SEVERITY_COLOR } from '../monitoring/look';
import { useAgentChecks, useDeleteAgentCheck } from './api';
import { AgentCheckFormModal } from './AgentCheckFormModal';
import { checkSubject, KIND_LABELS, targetSummary } from './look';

/** The checks agents run on their devices: list, create, edit, delete. */
export function AgentChecksPage() {
  const groupName = useGroupName();
  const canWrite = useCan('technician');
  const remove = useDeleteAgentCheck();

  return (
    <CrudListPage<AgentCheckResponse>
      title="Agent checks"
      createLabel="New agent check"
      canWrite={canWrite}
      useList={useAgentChecks}
      noun="checks"
      emptyText={
        <>
          Agents check their own device — disk, CPU and memory thresholds, services, processes,
          ping, TCP ports, Nagios-style scripts — and alert when one fails.
          {!canWrite && ' A technician sets them up.'}
        </>
      }
      testId="agent-checks-table"
      minWidth={760}
      rowProps={(c) => ({ 'data-testid': 'agent-check-row', 'data-check-id': c.id })}
      columns={[
        {
          header: 'Check',
          cell: (c) => (
            <Stack gap={0}>
              <Group gap={6}>
                <Anchor component={Link} to={`/agent-checks/${c.id}`} fw={500} size="sm">
                  {c.name}
                </Anchor>
                {!c.enabled && (
                  <Badge color="gray" variant="light" size="sm">
                    Disabled
                  </Badge>
                )}
              </Group>
              <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {checkSubject(c)}
              </Text>
            </Stack>
          ),
        },
        { header: 'Kind', w: 150, cell: (c) => <Text size="sm">{KIND_LABELS[c.kind]}</Text> },
        { header: 'Runs on', cell: (c) => <Text size="sm">{targetSummary(c, groupName)}</Text> },
        {
          header: 'Severity',
          w: 100,
          cell: (c) => (
            <Badge color={SEVERITY_COLOR[c.severity]} variant="light">
              {c.severity}
            </Badge>
          ),
        },
      ]}
      form={AgentCheckFormModal}
      remove={{
        mutation: remove,
        confirmLabel: 'Delete check',
        consequence: 'The agents stop running it, and its open alerts resolve.',
      }}
    />
  );
}
