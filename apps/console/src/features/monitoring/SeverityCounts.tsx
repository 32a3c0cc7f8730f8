import { ALERT_SEVERITIES, type AlertSummaryResponse } from '@fleetdesk/api-types';
import { Badge, Group } from '@mantine/core';
import { SEVERITY_COLOR } from './look';

/** The colour of the worst open severity; none open: no colour. */
export function worstColor(s: AlertSummaryResponse): string | undefined {
  const worst = [...ALERT_SEVERITIES].reverse().find((sev) => s.bySeverity[sev] > 0);
  return worst ? SEVERITY_COLOR[worst] : undefined;
}

/** Open alerts by severity, each in its colour, and how many nobody acknowledged yet. */
export function SeverityCounts({ summary }: { summary: AlertSummaryResponse }) {
  return (
    <Group gap={4} mt={2} wrap="wrap">
      {[...ALERT_SEVERITIES].reverse().map((sev) => (
        <Badge
          key={sev}
          size="xs"
          variant={summary.bySeverity[sev] > 0 ? 'filled' : 'outline'}
          color={summary.bySeverity[sev] > 0 ? SEVERITY_COLOR[sev] : 'gray'}
          data-testid={`open-alerts-${sev}`}
          data-count={summary.bySeverity[sev]}
        >
          {summary.bySeverity[sev]} {sev}
        </Badge>
      ))}
      <span>· {summary.firing} not acknowledged</span>
    </Group>
  );
}
