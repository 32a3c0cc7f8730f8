import { JOB_LIMITS, type ScriptLanguage, utf8Bytes } from '@fleetdesk/api-types';
import { Group, Select, Text, Textarea } from '@mantine/core';
import { LANGUAGES } from '../scripts/languages';

/** The API's limit on an inline command (CreateJobRequest.command.body). */
export const COMMAND_MAX_BYTES = JOB_LIMITS.commandBytes;

export interface CommandDraft {
  language: ScriptLanguage;
  body: string;
}

export function commandProblem(c: CommandDraft): string | null {
  if (!c.body.trim()) return 'Type the command to run';
  if (utf8Bytes(c.body) > COMMAND_MAX_BYTES)
    return 'At most 256 KiB: save longer scripts in the library';
  return null;
}

/**
 * A one-off command instead of a saved script: not versioned and without parameters, but
 * signed, run and audited like any job. Only technicians and admins reach the dialog.
 */
export function CommandBox({
  value,
  onChange,
  error,
}: {
  value: CommandDraft;
  onChange: (next: CommandDraft) => void;
  error?: string;
}) {
  return (
    <>
      <Group gap="sm" align="flex-end">
        <Select
          label="Language"
          data={LANGUAGES}
          value={value.language}
          onChange={(v) => v && onChange({ ...value, language: v })}
          allowDeselect={false}
          w={180}
        />
        <Text size="xs" c="dimmed" style={{ flex: 1, minWidth: 160 }}>
          Runs as the agent’s user on every target device. For anything you will run again, save a
          script instead.
        </Text>
      </Group>
      <Textarea
        label="Command"
        placeholder="uptime; df -h /"
        autosize
        minRows={3}
        maxRows={14}
        value={value.body}
        onChange={(e) => onChange({ ...value, body: e.currentTarget.value })}
        error={error}
        data-autofocus
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        spellCheck={false}
      />
    </>
  );
}
