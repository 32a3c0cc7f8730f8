import { Code, Stack, Text } from '@mantine/core';
import { CommandTabs } from './CommandTabs';
import { agentRefusesPlainHttp, guessPlatform, oneLiners } from './commands';

/**
 * One command per OS with the new token and server key filled in: it fetches this server's
 * install script, which downloads the agent executable (no Node.js needed), checks it,
 * enrolls and starts the service.
 */
export function OneLineInstall({
  token,
  serverKeySha256,
}: {
  token: string;
  serverKeySha256: string;
}) {
  const server = window.location.origin;
  const lines = oneLiners(server, token, serverKeySha256, agentRefusesPlainHttp(server));
  const first = guessPlatform(navigator.userAgent) === 'windows' ? 'windows' : 'unix';
  return (
    <Stack gap="xs" data-testid="one-line-install">
      <Text size="sm" fw={500}>
        Install in one line (recommended)
      </Text>
      <CommandTabs
        tabs={lines}
        defaultValue={first}
        testIdPrefix="one-line-install"
        copyNoun="command"
      />
      <Text size="sm" c="dimmed">
        It downloads the agent for the device (Linux x64 or ARM64, macOS, Windows x64; no Node.js
        needed), checks its SHA-256, enrolls with this token and starts the service. Running it
        again on an enrolled device changes nothing; <Code>--uninstall</Code> (
        <Code>-Uninstall</Code>) removes the agent.
      </Text>
    </Stack>
  );
}
