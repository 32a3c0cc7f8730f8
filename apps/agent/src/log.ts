/**
 * The agent's only output channel. `reason` is a short, stable key (e.g. `closed 4003`,
 * `connect ECONNREFUSED`) so `simulate` can count thousands of agents' problems by kind
 * instead of printing one line per agent.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string, reason?: string): void;
  error(message: string, reason?: string): void;
}

export function consoleLogger(): Logger {
  const line = (level: string, message: string) =>
    `${new Date().toISOString()} ${level} ${message}`;
  return {
    info: (message) => console.log(line('info ', message)),
    warn: (message) => console.error(line('warn ', message)),
    error: (message) => console.error(line('ERROR', message)),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export const errorMessage = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);

/** `ECONNREFUSED` for system errors, the message otherwise: the short form for `reason`. */
export function errorReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : errorMessage(err).slice(0, 80);
}
