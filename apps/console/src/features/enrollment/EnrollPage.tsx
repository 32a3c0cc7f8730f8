import { Alert, Button, Card, Code, Group, Stack, Text, Title } from '@mantine/core';
import type { CreatedEnrollmentTokenResponse } from '@fleetdesk/api-types';
import { useState } from 'react';
import { PageHeader } from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { CopyValueButton } from './CopyValueButton';
import { CreateTokenForm } from './CreateTokenForm';
import { InstallCommands } from './InstallCommands';
import { TokensTable } from './TokensTable';

/** The one time a token's secret exists in the browser: copy it, then dismiss it. */
function NewToken({
  token,
  onDone,
}: {
  token: CreatedEnrollmentTokenResponse;
  onDone: () => void;
}) {
  return (
    <Card withBorder mb="lg" data-testid="new-token">
      <Stack gap="md">
        <Alert color="yellow" title="Copy the token now: it will not be shown again" role="status">
          <Text size="sm">
            &ldquo;{token.name}&rdquo; works until {formatDateTime(token.expiresAt)}
            {token.maxUses
              ? ` for up to ${token.maxUses} device${token.maxUses === 1 ? '' : 's'}`
              : ' for any number of devices'}
            . Anyone holding it can enroll a device into this fleet, so share it only with whoever
            installs the agent.
          </Text>
        </Alert>
        <Group gap="sm" wrap="nowrap">
          <Code
            fz="sm"
            data-testid="new-token-secret"
            style={{ overflowWrap: 'anywhere', flex: 1 }}
          >
            {token.token}
          </Code>
          <CopyValueButton value={token.token} label="Copy token" />
        </Group>
        <InstallCommands token={token.token} serverKeySha256={token.serverKeySha256} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Done: hide the token
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function EnrollPage() {
  const [created, setCreated] = useState<CreatedEnrollmentTokenResponse | null>(null);
  return (
    <>
      <PageHeader title="Enroll a device" />
      {created ? (
        <NewToken token={created} onDone={() => setCreated(null)} />
      ) : (
        <Card withBorder mb="lg">
          <Title order={4} mb={4}>
            Create an enrollment token
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            A device enrolls by presenting a token to this server once. You then get the commands to
            install the agent on Linux, macOS or Windows, with the token filled in.
          </Text>
          <CreateTokenForm onCreated={setCreated} />
        </Card>
      )}
      <Title order={4} mb="sm">
        Enrollment tokens
      </Title>
      <TokensTable />
    </>
  );
}
