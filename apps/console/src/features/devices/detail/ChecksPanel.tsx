import { Anchor, Loader } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, ErrorAlert } from '../../../components/common';
import { Paging } from '../../../components/Paging';
import { STATES_PAGE_SIZE, useDeviceCheckStates } from '../../checks/api';
import { CheckStatesTable } from '../../checks/CheckStatesTable';

/** The agent checks this device runs and the last state of each, unhealthy first. */
export function ChecksPanel({ deviceId }: { deviceId: string }) {
  const [page, setPage] = useState(1);
  const states = useDeviceCheckStates(deviceId, page);
  if (states.isError)
    return <ErrorAlert error={states.error} onRetry={() => void states.refetch()} />;
  if (!states.data) return <Loader aria-label="Loading checks" />;
  if (states.data.total === 0)
    return (
      <EmptyState title="No check has reported on this device">
        Checks reach the agent directly, by tag or group, or through an automation policy; it
        reports their states with its next summary. See{' '}
        <Anchor component={Link} to="/agent-checks">
          Agent checks
        </Anchor>
        .
      </EmptyState>
    );
  return (
    <>
      <CheckStatesTable states={states.data.items} rowIs="check" />
      <Paging
        page={page}
        pageSize={STATES_PAGE_SIZE}
        total={states.data.total}
        onPage={setPage}
        noun="checks"
      />
    </>
  );
}
