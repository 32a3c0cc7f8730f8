import { Alert, Button, Center, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { formatDateTime, timeAgo } from '../lib/format';

/** A failed request, in words, with a retry when one makes sense. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Alert color="red" title="Could not load this" role="alert">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** What to show where a list is empty: what it is for and what to do next. */
export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Center py="xl" data-testid="empty-state">
      <Stack align="center" gap="xs" maw={480}>
        <Text fw={600}>{title}</Text>
        {children && (
          <Text size="sm" c="dimmed" ta="center">
            {children}
          </Text>
        )}
        {action}
      </Stack>
    </Center>
  );
}

/** One labelled value of a detail page's summary card. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

export function PageHeader({ title, actions }: { title: ReactNode; actions?: ReactNode }) {
  return (
    // Wraps: on a phone the actions go under the title instead of pushing the page wider.
    <Group justify="space-between" mb="md" gap="xs">
      <Title order={2} style={{ overflowWrap: 'anywhere', minWidth: 0 }}>
        {title}
      </Title>
      {actions && <Group gap="xs">{actions}</Group>}
    </Group>
  );
}

const STATUS_COLOR: Record<string, string> = {
  online: 'var(--mantine-color-green-6)',
  offline: 'var(--mantine-color-gray-5)',
  revoked: 'var(--mantine-color-red-6)',
};

/** A device's online state as a dot with a text equivalent for screen readers and tests. */
export function StatusDot({ status }: { status: string }) {
  return (
    <span
      role="img"
      aria-label={status}
      data-status={status}
      title={status}
      style={{
        display: 'inline-block',
        width: 10,
        height: 10,
        borderRadius: '50%',
        flex: 'none',
        background: STATUS_COLOR[status] ?? 'var(--mantine-color-yellow-6)',
      }}
    />
  );
}

export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  return (
    <Tooltip label={formatDateTime(iso)} disabled={!iso}>
      <span>{timeAgo(iso)}</span>
    </Tooltip>
  );
}

/**
 * Text for screen readers only, as an inline style: Mantine's VisuallyHidden renders a div,
 * which a table header cell cannot hold in every reader.
 */
export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
} as const;
