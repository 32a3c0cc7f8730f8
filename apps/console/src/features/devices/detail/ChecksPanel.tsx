import { Anchor } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState } from '../../../components/common';
import { useDeviceCheckStates } from '../../checks/api';
import { CheckStatesTable } from '../../checks/CheckStatesTable';

/** The agent checks this device runs and the last state of each, unhealthy first. */
export function ChecksPanel({ deviceId }: { deviceId: string }) {
  const [page, setPage] = useState(1);
  const states = useDeviceCheckStates(deviceId, page);
  return (
    <CheckStatesTable
      states={states}
      page={page}
      onPage={setPage}
      rowIs="check"
      empty={
        <EmptyState title="No check has reported on this device">
          Checks reach the agent directly, by tag or group, or through an automation policy; it
          reports their states with its next summary. See{' '}
          <Anchor component={Link} to="/agent-checks">
            Agent checks
          </Anchor>
          .
        </EmptyState>
      }
    />
  );
}
