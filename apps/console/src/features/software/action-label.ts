import type { JobAction, SoftwareRunDetail } from '@fleetdesk/api-types';

const VERBS = {
  install: 'Install',
  uninstall: 'Uninstall',
  upgrade: 'Upgrade',
  apply_updates: 'Apply updates',
} as const;

/** A job's typed action in a few words, for the job list and the job page. */
export function actionLabel(action: JobAction): string {
  if (action.kind === 'agent_update') return `Agent update to ${action.version ?? '?'}`;
  if (action.kind === 'collect_logs') return `Collect logs (${action.sources ?? 0} sources)`;
  if (action.kind === 'fetch_file') return `Fetch ${action.path ?? 'a file'}`;
  if (action.kind === 'push_file') return `Push to ${action.path ?? 'a file'}`;
  if (action.kind === 'search_logs') return `Search logs for ${action.pattern ?? '?'}`;
  const verb = VERBS[action.operation ?? 'install'];
  if (action.operation === 'apply_updates')
    return action.securityOnly ? 'Apply security updates' : 'Apply all updates';
  if (action.installer) return `${verb} installer ${action.installer.sha256.slice(0, 12)}…`;
  const packages = (action.packages ?? [])
    .map((p) => `${p.manager} ${p.name}${p.version ? ` ${p.version}` : ''}`)
    .join(', ');
  return `${verb} ${packages}`;
}

/** A software run's outcome in a line: manager, version before → after, reboot. */
export function softwareSummary(d: SoftwareRunDetail): string {
  const parts: string[] = [];
  if (d.nothingToDo) parts.push('nothing to do');
  else if (d.operation === 'apply_updates')
    parts.push(`${d.pendingUpdates ?? 0} update${d.pendingUpdates === 1 ? '' : 's'} applied`);
  else if (d.package || d.versionBefore || d.versionAfter)
    parts.push(`${d.versionBefore ?? 'none'} → ${d.versionAfter ?? 'none'}`);
  if (d.manager) parts.unshift(d.manager);
  if (d.rebootRequired) parts.push('reboot required');
  return parts.join(' · ');
}
