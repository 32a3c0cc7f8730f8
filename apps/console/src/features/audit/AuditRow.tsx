import type { AuditEventResponse } from '@fleetdesk/api-types';
import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { type MouseEvent, type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { formatDateTime, timeAgo } from '../../lib/format';
import type { FilterKey } from './audit-params';

/** Targets that have a page of their own in the console. */
const TARGET_PAGES: Record<string, string> = {
  device: '/devices/',
  job: '/jobs/',
  script: '/scripts/',
};

function actionColor(action: string): string {
  if (/(failed|auth_failed)$/.test(action)) return 'orange';
  if (/\.(delete|revoke|archive|untag|cancel)$/.test(action)) return 'red';
  if (/\.(create|create_first_admin|enroll|builtin_install)$/.test(action)) return 'green';
  return 'blue';
}

function actorLabel(actor: AuditEventResponse['actor']): string {
  if (actor.email) return actor.email;
  switch (actor.kind) {
    case 'system':
      return 'Fleetdesk (system)';
    case 'device':
      return 'A device agent';
    case 'anonymous':
      return 'Not signed in';
    case 'enrollment_token':
      return 'An enrollment token';
    case 'user':
      return actor.id ?? 'Unknown user';
  }
}

/** Long ids are cut in the table; the full value is in the expanded row. */
function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

export function AuditRow({
  event,
  onFilter,
}: {
  event: AuditEventResponse;
  /** Narrows the log to one actor, action or target (several filters at once). */
  onFilter: (changes: Partial<Record<FilterKey, string>>) => void;
}) {
  const [open, setOpen] = useState(false);
  const detailsId = `audit-details-${event.id}`;
  const target = event.target;
  const targetPage = target?.id ? TARGET_PAGES[target.type] : undefined;
  // The name the server resolved (as of now, or as recorded for a deleted target); the short
  // id only when it knows none.
  const targetLabel = event.targetName ?? (target?.id ? shortId(target.id) : '');

  // A click anywhere on the row opens it, except on the links and buttons inside it.
  const onRowClick = (e: MouseEvent<HTMLTableRowElement>) => {
    if ((e.target as HTMLElement).closest('a, button, input')) return;
    setOpen((o) => !o);
  };

  return (
    <>
      <Table.Tr
        data-testid="audit-row"
        data-event-id={event.id}
        onClick={onRowClick}
        style={{ cursor: 'pointer' }}
      >
        <Table.Td>
          <ActionIcon
            variant="subtle"
            color="gray"
            aria-expanded={open}
            aria-controls={detailsId}
            aria-label={`Details of event ${event.id}`}
            onClick={() => setOpen((o) => !o)}
          >
            <span
              aria-hidden
              style={{
                display: 'inline-block',
                transition: 'transform 120ms',
                transform: open ? 'rotate(90deg)' : 'none',
              }}
            >
              ▸
            </span>
          </ActionIcon>
        </Table.Td>
        <Table.Td>
          <Tooltip label={timeAgo(event.occurredAt)}>
            <Text size="sm" span style={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(event.occurredAt)}
            </Text>
          </Tooltip>
        </Table.Td>
        <Table.Td>
          <Text
            size="sm"
            style={{ overflowWrap: 'anywhere' }}
            c={event.actor.email ? undefined : 'dimmed'}
          >
            {actorLabel(event.actor)}
          </Text>
        </Table.Td>
        <Table.Td>
          <Badge variant="light" color={actionColor(event.action)} tt="none" radius="sm">
            {event.action}
          </Badge>
        </Table.Td>
        <Table.Td>
          {target ? (
            <Stack gap={0} data-testid="audit-target">
              <Text size="xs" c="dimmed">
                {target.type}
              </Text>
              {target.id &&
                (targetPage ? (
                  <Anchor
                    component={Link}
                    to={targetPage + encodeURIComponent(target.id)}
                    size="sm"
                    title={target.id}
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {targetLabel}
                  </Anchor>
                ) : (
                  <Text size="sm" title={target.id} style={{ overflowWrap: 'anywhere' }}>
                    {targetLabel}
                  </Text>
                ))}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              —
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <Text size="sm" ff="monospace">
            {event.sourceIp ?? '—'}
          </Text>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr id={detailsId} data-testid="audit-details">
          <Table.Td colSpan={6} bg="var(--mantine-color-default-hover)">
            <Stack gap="xs" py={4}>
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xs" verticalSpacing={2}>
                <Field label="Event">{event.id}</Field>
                <Field label="Time">{new Date(event.occurredAt).toISOString()}</Field>
                <Field label="Actor">
                  {event.actor.kind}
                  {event.actor.id ? ` ${event.actor.id}` : ''}
                </Field>
                <Field label="Target">
                  {target
                    ? `${target.type} ${event.targetName ? `“${event.targetName}” ` : ''}${target.id ?? ''}`
                    : '—'}
                </Field>
              </SimpleGrid>
              <Group gap="xs">
                {event.actor.id && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    onClick={() => onFilter({ actorId: event.actor.id ?? '' })}
                  >
                    Only this actor
                  </Button>
                )}
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => onFilter({ action: event.action })}
                >
                  Only this action
                </Button>
                {target?.id && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    onClick={() => onFilter({ targetType: target.type, targetId: target.id ?? '' })}
                  >
                    Only this target
                  </Button>
                )}
              </Group>
              <Text size="xs" fw={600}>
                Details
              </Text>
              {/* Details hold attacker-influenced strings (hostnames, emails): text only, never HTML. */}
              <Code
                block
                data-testid="audit-details-json"
                style={{
                  whiteSpace: 'pre-wrap',
                  overflowWrap: 'anywhere',
                  maxHeight: 400,
                  overflow: 'auto',
                }}
              >
                {JSON.stringify(event.details, null, 2)}
              </Code>
            </Stack>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Text size="xs">
      <Text span c="dimmed" size="xs">
        {label}:{' '}
      </Text>
      <Text span ff="monospace" size="xs" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </Text>
  );
}
