import { Accordion, Alert, Anchor, Code, List, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { CommandTabs } from './CommandTabs';
import { OneLineInstall } from './OneLineInstall';
import { agentRefusesPlainHttp, guessPlatform, installGuides } from './commands';

/**
 * Per-OS commands with the new token and the server key's fingerprint filled in; the server
 * URL is the one this console uses.
 */
export function InstallCommands({
  token,
  serverKeySha256,
}: {
  token: string;
  serverKeySha256: string;
}) {
  const server = window.location.origin;
  const guides = installGuides(server, token, serverKeySha256);
  return (
    <Stack gap="sm" data-testid="install-commands">
      {agentRefusesPlainHttp(server) && (
        <Alert color="red" title="This console is not served over HTTPS" role="alert">
          <Text size="sm">
            The agent refuses a plain <Code>http://</Code> server on another machine: the token
            would cross the network unencrypted. Serve Fleetdesk over TLS (README,
            &ldquo;TLS&rdquo;) and open this page at its <Code>https://</Code> address. The one-line
            install below carries <Code>--insecure</Code> for now, at that risk; add it to the
            manual enroll command too.
          </Text>
        </Alert>
      )}
      <OneLineInstall token={token} serverKeySha256={serverKeySha256} />
      <Accordion variant="contained">
        <Accordion.Item value="manual">
          <Accordion.Control>Or install by hand, with Node.js on the device</Accordion.Control>
          <Accordion.Panel>
            <Stack gap="sm">
              <Text size="sm">On the device to enroll:</Text>
              <List size="sm" type="ordered" spacing={4}>
                <List.Item>
                  Install Node.js 20.19 or newer (
                  <Anchor
                    href="https://nodejs.org/en/download"
                    target="_blank"
                    rel="noreferrer"
                    size="sm"
                  >
                    nodejs.org
                  </Anchor>
                  ).
                </List.Item>
                <List.Item>
                  Copy the agent bundle, <Code>fleetdesk-agent.js</Code>, onto the device. It is one
                  file, built on the Fleetdesk server&apos;s checkout with{' '}
                  <Code>npm run build:agent</Code> (it lands in{' '}
                  <Code>apps/agent/dist/fleetdesk-agent.js</Code>).
                </List.Item>
                <List.Item>Paste the commands for its system:</List.Item>
              </List>
              <CommandTabs
                tabs={guides.map((g) => ({ ...g, command: g.commands }))}
                defaultValue={guessPlatform(navigator.userAgent)}
                testIdPrefix="install-commands"
                copyNoun="commands"
              />
            </Stack>
          </Accordion.Panel>
        </Accordion.Item>
      </Accordion>
      <Text size="sm">
        The device appears in{' '}
        <Anchor component={Link} to="/devices">
          Devices
        </Anchor>{' '}
        as soon as its agent connects. A device that was enrolled before keeps its identity; add{' '}
        <Code>--force</Code> to the enroll command to enroll it as a new device.
      </Text>
      <Text size="sm" c="dimmed">
        Server key fingerprint (SHA-256):{' '}
        <Code data-testid="server-key-sha256" style={{ overflowWrap: 'anywhere' }}>
          {serverKeySha256}
        </Code>
        . The agent refuses to enroll with a server whose key does not match it.
      </Text>
    </Stack>
  );
}
