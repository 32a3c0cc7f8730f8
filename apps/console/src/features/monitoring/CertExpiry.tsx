import { Badge, Tooltip } from '@mantine/core';
import { formatDateTime } from '../../lib/format';

const DAY_MS = 86_400_000;

export function daysUntil(iso: string, now = Date.now()): number {
  return Math.floor((new Date(iso).getTime() - now) / DAY_MS);
}

/** Days until a certificate expires, coloured against the check's warning threshold. */
export function CertExpiry({ at, warnDays }: { at: string | null; warnDays: number }) {
  if (!at) return <>—</>;
  const days = daysUntil(at);
  const color = days < 0 ? 'red' : days < warnDays ? 'yellow' : 'green';
  const label = days < 0 ? 'expired' : days === 0 ? 'expires today' : `${days} days`;
  return (
    <Tooltip label={`Expires ${formatDateTime(at)}`}>
      <Badge color={color} variant="light" data-testid="cert-expiry" data-days={days}>
        {label}
      </Badge>
    </Tooltip>
  );
}
