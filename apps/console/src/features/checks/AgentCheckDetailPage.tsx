import { Anchor, Badge, Button, Card, Group, Loader, SimpleGrid, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, Fact, PageHeader } from '../../components/common';
import { useGroupName } from '../devices/FacetSelects';
import { SEVERITY_COLOR } from '../monitoring/look';
import { useAgentCheck, useCheckStates } from './api';
import { AgentCheckFormModal } from './AgentCheckFormModal';
import { CheckStatesTable } from './CheckStatesTable';
import { checkSubject, formatSeconds, KIND_LABELS, targetSummary } from './look';

/** One agent check: its settings, and which devices are ok, warning or critical, and why. */
export function AgentCheckDetailPage() {
  const { id = '' } = useParams();
  const check = useAgentCheck(id);
  const [page, setPage] = useState(1);
  const states = useCheckStates(id, page);
  const groupName = useGroupName();
  const canWrite = useCan('technician');
  const [editing, setEditing] = useState(false);

  if (check.isError) return <ErrorAlert error={check.error} onRetry={() => void check.refetch()} />;
  if (!check.data) return <Loader aria-label="Loading the check" />;
  const c = check.data;

  return (
    <>
      <Anchor component={Link} to="/agent-checks" size="sm">
        ← Agent checks
      </Anchor>
      <PageHeader
        title={<span data-testid="agent-check-name">{c.name}</span>}
        actions={canWrite ? <Button onClick={() => setEditing(true)}>Edit</Button> : undefined}
      />
      <Card withBorder mb="md">
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Fact label="Kind">{KIND_LABELS[c.kind]}</Fact>
          <Fact label="Looks at">{checkSubject(c)}</Fact>
          <Fact label="Runs on">{targetSummary(c, groupName)}</Fact>
          <Fact label="Alert">
            <Group gap={6}>
              <Badge color={SEVERITY_COLOR[c.severity]} variant="light">
                {c.severity}
              </Badge>
              {!c.enabled && (
                <Badge color="gray" variant="light">
                  Disabled
                </Badge>
              )}
            </Group>
          </Fact>
          <Fact label="Fires after / resolves after">
            {c.failThreshold} failing / {c.successThreshold} passing reports
          </Fact>
          {c.kind !== 'cpu' && c.kind !== 'memory' && c.kind !== 'disk' && (
            <Fact label="Every">{formatSeconds(c.intervalSeconds)}</Fact>
          )}
        </SimpleGrid>
      </Card>
      <Text fw={500} mb="xs">
        Devices
      </Text>
      <CheckStatesTable
        states={states}
        page={page}
        onPage={setPage}
        rowIs="device"
        empty={
          <EmptyState title="No device has reported it yet">
            Agents report a check’s state with their next summary after it reaches them.
          </EmptyState>
        }
      />
      <AgentCheckFormModal opened={editing} item={c} onClose={() => setEditing(false)} />
    </>
  );
}
