/**
 * A log line's severity, for colouring it. Logs do not say it one way: syslog writes `<3>`,
 * application logs `ERROR` or `[warn]` or `level=info`, Windows' `wevtutil qe /f:text` writes a
 * record over many lines with a `Level: Error` line inside, and journald's short-iso output (what
 * the agent collects) has no priority field at all, so its lines go by their words.
 */
export type LogLevel = 'error' | 'warn' | 'notice' | 'info' | 'debug';

const SYSLOG: LogLevel[] = [
  'error', // 0 emerg
  'error', // 1 alert
  'error', // 2 crit
  'error', // 3 err
  'warn', // 4 warning
  'notice', // 5 notice
  'info', // 6 info
  'debug', // 7 debug
];

const WORDS: Partial<Record<string, LogLevel>> = {
  emerg: 'error',
  emergency: 'error',
  alert: 'error',
  crit: 'error',
  critical: 'error',
  fatal: 'error',
  panic: 'error',
  severe: 'error',
  err: 'error',
  error: 'error',
  warn: 'warn',
  warning: 'warn',
  notice: 'notice',
  info: 'info',
  information: 'info',
  informational: 'info',
  debug: 'debug',
  trace: 'debug',
  verbose: 'debug',
};
const WORD = Object.keys(WORDS).join('|');

/** `<3>` or `<30>` at the start: the syslog PRI, whose low three bits are the severity. */
const PRI = /^<(\d{1,3})>/;
/** wevtutil's text format: `  Level: Error` inside a record. */
const EVENT_LEVEL = /^\s*Level:\s*(\w+)/;
/** A level written as a level: `[warn]`, `<error>`, `level=info`, `"level":"debug"`, `severity: err`. */
const MARKED = new RegExp(
  `(?:\\[(${WORD})\\]|<(${WORD})>|\\b(?:level|lvl|severity|priority)["']?\\s*[=:]\\s*["']?(${WORD})\\b)`,
  'i',
);
/** A bare level word in capitals (`ERROR`, `WARN`): in lower case it is usually prose. */
const UPPER = new RegExp(`\\b(${WORD.toUpperCase()})\\b`);
/** journald and syslog messages: `unit[pid]: error: …`, `…: Failed to start …`. */
const PROSE = /:\s+(?:(error|fatal|critical|warning|warn)\b|(failed|failure)\b)/i;

/** How far into a line the level is looked for: it is near the start, and lines can be long. */
const HEAD = 240;

/** The line's own level, or null when it names none. */
export function levelOfLine(line: string): LogLevel | null {
  const head = line.length > HEAD ? line.slice(0, HEAD) : line;
  const pri = PRI.exec(head);
  if (pri) return SYSLOG[Number(pri[1]) % 8] ?? null;
  const event = EVENT_LEVEL.exec(head);
  if (event) return WORDS[event[1].toLowerCase()] ?? null;
  const marked = MARKED.exec(head);
  if (marked) return WORDS[(marked[1] || marked[2] || marked[3] || '').toLowerCase()] ?? null;
  const upper = UPPER.exec(head);
  if (upper) return WORDS[upper[1].toLowerCase()] ?? null;
  const prose = PROSE.exec(head);
  if (prose) return (prose[1] && WORDS[prose[1].toLowerCase()]) || 'error';
  return null;
}

/** `Event[12]:`: the first line of a record in `wevtutil qe /f:text` output. */
const EVENT_HEADER = /^Event\[\d+\]:?\s*$/;
/** How far a record's header and its Level line may be from a line of it. */
const RECORD_REACH = 2000;
const LEVEL_REACH = 40;

/**
 * Levels of lines asked for one at a time (only the rows on screen), remembered. In Event Log
 * text every line of a record takes the record's level, found from its header.
 */
export class LevelCache {
  private readonly known = new Map<number, LogLevel | null>();
  private readonly eventLog: boolean;

  constructor(
    private readonly line: (i: number) => string,
    private readonly lineCount: number,
  ) {
    this.eventLog = lineCount > 0 && EVENT_HEADER.test(line(0));
  }

  levelOf(i: number): LogLevel | null {
    const known = this.known.get(i);
    if (known !== undefined) return known;
    const level = this.eventLog ? this.recordLevel(i) : levelOfLine(this.line(i));
    if (this.known.size > 20_000) this.known.clear();
    this.known.set(i, level);
    return level;
  }

  private recordLevel(i: number): LogLevel | null {
    let header = -1;
    for (let j = i; j >= 0 && j > i - RECORD_REACH; j--) {
      if (EVENT_HEADER.test(this.line(j))) {
        header = j;
        break;
      }
    }
    if (header === -1) return levelOfLine(this.line(i));
    for (let j = header + 1; j < this.lineCount && j <= header + LEVEL_REACH; j++) {
      const text = this.line(j);
      if (EVENT_HEADER.test(text)) break;
      const m = EVENT_LEVEL.exec(text);
      if (m) return WORDS[m[1].toLowerCase()] ?? null;
    }
    return null;
  }
}

/** Colours that follow the light/dark scheme (Mantine's `-text` variables). */
export const LEVEL_COLOR: Record<LogLevel, string | undefined> = {
  error: 'var(--mantine-color-red-text)',
  warn: 'var(--mantine-color-orange-text)',
  notice: 'var(--mantine-color-teal-text)',
  info: undefined,
  debug: 'var(--mantine-color-dimmed)',
};
