import type { Logger } from '../log';

export interface RecordingLogger extends Logger {
  lines: { level: 'info' | 'warn' | 'error'; message: string; reason?: string }[];
  has(level: 'info' | 'warn' | 'error', pattern: RegExp): boolean;
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message, reason) => lines.push({ level: 'warn', message, reason }),
    error: (message, reason) => lines.push({ level: 'error', message, reason }),
    has: (level, pattern) =>
      lines.some(
        (l) => l.level === level && (pattern.test(l.message) || pattern.test(l.reason ?? '')),
      ),
  };
}
