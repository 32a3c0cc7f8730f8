import type { WebsiteCheckResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { RelativeTime } from '../../components/common';
import { CrudListPage } from '../../components/CrudListPage';
import { useDeleteWebsiteCheck, useWebsiteChecks } from './api';
import { OUTCOME_COLOR } from './look';
import { WebsiteCheckFormModal } from './WebsiteCheckFormModal';

export function OutcomeBadge({ c }: { c: WebsiteCheckResponse }) {
  if (!c.enabled)
    return (
      <Badge color="gray" variant="light">
        Disabled
      </Badge>
    );
  if (!c.lastOutcome)
    return (
      <Badge color="gray" variant="outline">
        Not run yet
      </Badge>
    );
  return (
    <Badge color={OUTCOME_COLOR[c.lastOutcome]} variant="light" data-testid="check-outcome">
      {c.lastOutcome}
    </Badge>
  );
}

export function WebsiteChecksPage() {
  const canWrite = useCan('admin');
  const remove = useDeleteWebsiteCheck();

  return (
    <CrudListPage<WebsiteCheckResponse>
      title="Website checks"
      createLabel="New website check"
      canWrite={canWrite}
      useList={useWebsiteChecks}
      noun="checks"
      emptyText={
        <>
          The server fetches a URL on a schedule and alerts when it fails, slows down or its
          certificate nears expiry.{!canWrite && ' An administrator sets them up.'}
        </>
      }
      testId="checks-table"
      minWidth={760}
      rowProps={(c) => ({ 'data-testid': 'check-row', 'data-check-id': c.id })}
      columns={[
        {
          header: 'Check',
          cell: (c) => (
            <Stack gap={0}>
              <Anchor component={Link} to={`/website-checks/${c.id}`} fw={500} size="sm">
                {c.name}
              </Anchor>
              <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                {c.url}
              </Text>
            </Stack>
          ),
        },
        { header: 'Last result', w: 120, cell: (c) => <OutcomeBadge c={c} /> },
        {
          header: 'Checked',
          w: 120,
          cell: (c) => (
            <Text size="sm">
              <RelativeTime iso={c.lastCheckedAt} />
            </Text>
          ),
        },
        { header: 'Every', w: 110, cell: (c) => <Text size="sm">{c.intervalSeconds} s</Text> },
      ]}
      form={WebsiteCheckFormModal}
      remove={{
        mutation: remove,
        confirmLabel: 'Delete check',
        consequence: 'Its results go with it, and its open alert resolves.',
      }}
    />
  );
}
