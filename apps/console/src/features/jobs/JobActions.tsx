import type { JobResponse } from '@fleetdesk/api-types';
import { Button, Text, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { post } from '../../api/client';
import { ConfirmModal } from '../../components/ConfirmModal';
import { notifyError, notifySuccess } from '../../lib/notify';
import { jobKeys } from './api';
import { failedCount } from './states';

export function CancelJobButton({ job }: { job: JobResponse }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const cancel = useMutation({
    mutationFn: () => post<JobResponse>(`/jobs/${job.id}/cancel`),
    onSuccess: (updated) => {
      client.setQueryData(jobKeys.detail(job.id), updated);
      void client.invalidateQueries({ queryKey: jobKeys.runs(job.id) });
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      setOpen(false);
      notifySuccess('Job cancelled: pending runs will not start, running ones are being stopped');
    },
    onError: (e) => notifyError(e, 'Could not cancel the job'),
  });
  const pending = job.counts.pending;
  const inFlight = job.counts.dispatched + job.counts.running;
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Cancel job
      </Button>
      <ConfirmModal
        opened={open}
        onClose={() => setOpen(false)}
        title="Cancel this job?"
        confirmLabel="Yes, cancel job"
        cancelLabel="Keep running"
        loading={cancel.isPending}
        error={cancel.error}
        onConfirm={() => cancel.mutate()}
      >
        <Text size="sm">
          {pending} pending run{pending === 1 ? '' : 's'} will not start, and {inFlight} run
          {inFlight === 1 ? '' : 's'} already sent to devices will be told to stop. Finished runs
          keep their results.
        </Text>
      </ConfirmModal>
    </>
  );
}

/** Starts a new job from this one: on the devices whose run failed, or on all of them. */
function RerunButton({ job, scope }: { job: JobResponse; scope: 'failed' | 'all' }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const failed = failedCount(job.counts);
  const devices = scope === 'failed' ? failed : job.counts.total;
  const rerun = useMutation({
    mutationFn: () => post<JobResponse>(`/jobs/${job.id}/rerun`, { scope }),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      notifySuccess(
        `Re-running on ${created.counts.total} device${created.counts.total === 1 ? '' : 's'}`,
      );
      void navigate(`/jobs/${created.id}`);
    },
    onError: (e) => notifyError(e, 'Could not re-run'),
  });
  const plural = devices === 1 ? '' : 's';
  const label =
    scope === 'all'
      ? `Starts a new job on all ${devices} device${plural} of this one`
      : failed
        ? `Starts a new job on the ${failed} device${plural} whose run failed, timed out, was lost or expired`
        : 'No run failed, timed out, was lost or expired';
  return (
    <Tooltip label={label} multiline maw={300}>
      <Button
        variant="default"
        loading={rerun.isPending}
        disabled={devices === 0}
        onClick={() => rerun.mutate()}
      >
        {scope === 'all' ? 'Re-run all' : 'Re-run failed'}
      </Button>
    </Tooltip>
  );
}

export function RerunButtons({ job }: { job: JobResponse }) {
  return (
    <>
      <RerunButton job={job} scope="failed" />
      <RerunButton job={job} scope="all" />
    </>
  );
}
