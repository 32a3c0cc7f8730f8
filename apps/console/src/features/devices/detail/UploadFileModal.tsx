import { childPath } from '@fleetdesk/api-types';
import { Alert, Button, Checkbox, FileInput, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { isFinalRun, uploadAndPush, usePushRun } from '../files';

/** Uploads a file and pushes it into the folder shown (a push_file job for this device). */
export function UploadFileModal({
  opened,
  onClose,
  deviceId,
  folder,
  separator,
  onPushed,
}: {
  opened: boolean;
  onClose: () => void;
  deviceId: string;
  folder: string;
  separator: '/' | '\\';
  onPushed: () => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [overwrite, setOverwrite] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const push = useMutation({
    mutationFn: (f: File) =>
      uploadAndPush(f, {
        target: { deviceIds: [deviceId] },
        path: childPath(folder, f.name, separator),
        overwrite,
      }),
    onSuccess: (job) => setJobId(job.id),
  });
  const run = usePushRun(jobId);
  const done = run.data?.status === 'succeeded';
  const failed = !done && run.data != null && isFinalRun(run.data.status);
  // Once per push: the folder is listed again to show the new file.
  const announced = useRef<string | null>(null);
  useEffect(() => {
    if (done && jobId && announced.current !== jobId) {
      announced.current = jobId;
      onPushed();
    }
  }, [done, jobId, onPushed]);

  const close = () => {
    setFile(null);
    setOverwrite(false);
    setJobId(null);
    push.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Upload a file here">
      <Stack gap="sm">
        <Text size="sm">
          Into <code>{folder}</code> on this device.
        </Text>
        <FileInput
          label="File"
          placeholder="Choose a file"
          value={file}
          onChange={setFile}
          disabled={jobId !== null}
          data-testid="upload-file"
        />
        <Checkbox
          label="Replace the file if it exists (otherwise the device refuses and keeps it)"
          checked={overwrite}
          onChange={(e) => setOverwrite(e.currentTarget.checked)}
          disabled={jobId !== null}
        />
        {push.isError && (
          <Alert color="red" role="alert">
            {errorMessage(push.error)}
          </Alert>
        )}
        {jobId && (
          <Alert
            color={done ? 'green' : failed ? 'red' : 'blue'}
            variant="light"
            data-testid="upload-status"
          >
            {done
              ? `${file?.name ?? 'The file'} is on the device.`
              : failed
                ? `The push ${run.data?.status}: ${run.data?.error ?? 'no reason given'}`
                : `Pushing… (${run.data?.status ?? 'pending'})`}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            {jobId ? 'Close' : 'Cancel'}
          </Button>
          {!jobId && (
            <Button
              disabled={!file}
              loading={push.isPending}
              onClick={() => file && push.mutate(file)}
            >
              Upload
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
