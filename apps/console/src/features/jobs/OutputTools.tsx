import { Button, Group } from '@mantine/core';
import { useState } from 'react';
import { notifyError, notifySuccess } from '../../lib/notify';
import { downloadText, safeFileName } from './output-text';

/** Copy and Download for output text, fetched when asked (it can be large). */
export function OutputTools({ name, load }: { name: string; load: () => Promise<string> }) {
  const [busy, setBusy] = useState<'copy' | 'download' | null>(null);
  const run = async (what: 'copy' | 'download') => {
    setBusy(what);
    try {
      const text = await load();
      if (what === 'copy') {
        await navigator.clipboard.writeText(text);
        notifySuccess('Output copied');
      } else {
        downloadText(`${safeFileName(name)}.txt`, text);
      }
    } catch (e) {
      notifyError(e, what === 'copy' ? 'Could not copy the output' : 'Could not download');
    } finally {
      setBusy(null);
    }
  };
  return (
    <Group gap="xs">
      <Button
        size="compact-xs"
        variant="default"
        loading={busy === 'copy'}
        onClick={() => void run('copy')}
      >
        Copy
      </Button>
      <Button
        size="compact-xs"
        variant="default"
        loading={busy === 'download'}
        onClick={() => void run('download')}
      >
        Download
      </Button>
    </Group>
  );
}
