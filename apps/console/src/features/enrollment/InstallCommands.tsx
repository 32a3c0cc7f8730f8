import { Anchor, Code, Group, List, Stack, Tabs, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { CopyValueButton } from './CopyValueButton';
import { guessPlatform, installGuides } from './commands';

/** Per-OS commands with the new token filled in; the server URL is the one this console uses. */
export function InstallCommands({ token }: { token: string }) {
  const server = window.location.origin;
  const guides = installGuides(server, token);
  return (
    <Stack gap="sm" data-testid="install-commands">
      <Text size="sm">On the device to enroll:</Text>
      <List size="sm" type="ordered" spacing={4}>
        <List.Item>
          Install Node.js 20.19 or newer (
          <Anchor href="https://nodejs.org/en/download" target="_blank" rel="noreferrer" size="sm">
            nodejs.org
          </Anchor>
          ).
        </List.Item>
        <List.Item>
          Copy the agent, <Code>fleetdesk-agent.js</Code>, onto the device. It is one file, built on
          the Fleetdesk server&apos;s checkout with <Code>npm run build:agent</Code> (it lands in{' '}
          <Code>apps/agent/dist/fleetdesk-agent.js</Code>); this server does not offer it for
          download.
        </List.Item>
        <List.Item>Paste the commands for its system:</List.Item>
      </List>
      <Tabs defaultValue={guessPlatform(navigator.userAgent)}>
        <Tabs.List>
          {guides.map((g) => (
            <Tabs.Tab key={g.platform} value={g.platform}>
              {g.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {guides.map((g) => (
          <Tabs.Panel key={g.platform} value={g.platform} pt="sm">
            <Stack gap="xs">
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Text size="sm" c="dimmed">
                  Run in {g.shell}:
                </Text>
                <CopyValueButton value={g.commands} label={`Copy ${g.label} commands`} />
              </Group>
              <Code
                block
                data-testid={`install-commands-${g.platform}`}
                style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
              >
                {g.commands}
              </Code>
              {g.after && (
                <Text size="sm" c="dimmed">
                  {g.after}
                </Text>
              )}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
      <Text size="sm">
        The device appears in{' '}
        <Anchor component={Link} to="/devices">
          Devices
        </Anchor>{' '}
        as soon as its agent connects. A device that was enrolled before keeps its identity; add{' '}
        <Code>--force</Code> to the enroll command to enroll it as a new device.
      </Text>
    </Stack>
  );
}
