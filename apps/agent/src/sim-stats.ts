import type { ConnectionState } from './connection';
import type { Logger } from './log';

/**
 * Fleet-wide counters for `simulate`, printed every few seconds as one line. Problems are
 * counted by reason instead of logged per agent: 10,000 lines of ECONNREFUSED say less
 * than "connect ECONNREFUSED ×10000".
 */
export class SimStats {
  target = 0;
  reused = 0;
  enrolled = 0;
  enrollFailed = 0;
  heartbeats = 0;
  inventories = 0;
  revoked = 0;
  /** Runs accepted and answered (simulated agents never execute them). */
  runs = 0;
  readonly states = new Map<ConnectionState, number>();
  private errors = new Map<string, number>();
  private errorsTotal = new Map<string, number>();

  onStateChange = (from: ConnectionState, to: ConnectionState): void => {
    this.states.set(from, (this.states.get(from) ?? 0) - 1);
    this.states.set(to, (this.states.get(to) ?? 0) + 1);
  };

  count(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
    this.errorsTotal.set(reason, (this.errorsTotal.get(reason) ?? 0) + 1);
  }

  /** Info lines are dropped; warnings and errors become counts. */
  logger(): Logger {
    return {
      info: () => {},
      warn: (message, reason) => this.count(reason ?? message.slice(0, 60)),
      error: (message, reason) => this.count(reason ?? message.slice(0, 60)),
    };
  }

  private state(s: ConnectionState): number {
    return this.states.get(s) ?? 0;
  }

  /** One progress line; errors are those since the previous line. */
  line(): string {
    const open = this.state('open') + this.state('authenticated');
    const parts = [
      `enrolled ${this.reused + this.enrolled}/${this.target}` +
        (this.enrollFailed ? ` (${this.enrollFailed} failed)` : ''),
      `connected ${open}, authenticated ${this.state('authenticated')}`,
      `connecting ${this.state('connecting')}, backing off ${this.state('backoff')}`,
      `inventories ${this.inventories}, heartbeats ${this.heartbeats}`,
    ];
    if (this.runs) parts.push(`runs ${this.runs}`);
    if (this.revoked) parts.push(`revoked ${this.revoked}`);
    parts.push(`errors: ${format(this.errors) || 'none'}`);
    this.errors = new Map();
    return `${new Date().toISOString().slice(11, 19)} ${parts.join(' | ')}`;
  }

  summary(): string {
    return `totals: enrolled ${this.enrolled} new + ${this.reused} reused, inventories ${this.inventories}, heartbeats ${this.heartbeats}, runs ${this.runs}; errors: ${format(this.errorsTotal) || 'none'}`;
  }
}

function format(counts: Map<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([reason, n]) => `${reason} ×${n}`)
    .join(', ');
}
