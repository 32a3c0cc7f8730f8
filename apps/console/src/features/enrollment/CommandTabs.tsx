import { Code, Group, Stack, Tabs, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { CopyValueButton } from './CopyValueButton';

export interface CommandTab {
  platform: string;
  label: string;
  shell: string;
  command: string;
  /** A line under the command (what to do next). */
  after?: ReactNode;
}

/** One tab per OS, each with its command, a copy button and the shell to paste it in. */
export function CommandTabs({
  tabs,
  defaultValue,
  testIdPrefix,
  copyNoun,
}: {
  tabs: CommandTab[];
  defaultValue: string;
  /** `<prefix>-<platform>` on each command, for the browser tests. */
  testIdPrefix: string;
  /** "command" or "commands", in the copy button's label. */
  copyNoun: string;
}) {
  return (
    <Tabs defaultValue={defaultValue}>
      <Tabs.List>
        {tabs.map((t) => (
          <Tabs.Tab key={t.platform} value={t.platform}>
            {t.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {tabs.map((t) => (
        <Tabs.Panel key={t.platform} value={t.platform} pt="sm">
          <Stack gap="xs">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Text size="sm" c="dimmed">
                Run in {t.shell}:
              </Text>
              <CopyValueButton value={t.command} label={`Copy ${t.label} ${copyNoun}`} />
            </Group>
            <Code
              block
              data-testid={`${testIdPrefix}-${t.platform}`}
              style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
            >
              {t.command}
            </Code>
            {t.after && (
              <Text size="sm" c="dimmed">
                {t.after}
              </Text>
            )}
          </Stack>
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
