import { FOLLOW_LIMITS } from '@fleetdesk/protocol';
import { clipText } from '../sanitize';

const NL = 0x0a;
const CR = 0x0d;

/**
 * Cuts a byte stream into lines (without `\n` or `\r\n`), as text fit for the wire: invalid
 * UTF-8 and NUL shown as U+FFFD, a line longer than FOLLOW_LIMITS.lineChars cut with "…"
 * (the rest of it, up to its newline, dropped). A partial last line waits for more bytes;
 * its buffer never grows past the line limit.
 */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  /** The current line was already cut and sent: drop bytes up to its newline. */
  private cutting = false;
  /** Bytes a line may hold before it is cut (UTF-8: up to 4 bytes a character). */
  private readonly maxBytes = FOLLOW_LIMITS.lineChars * 4;

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let data = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NL, start); nl >= 0; nl = data.indexOf(NL, start)) {
      if (this.cutting) {
        this.cutting = false;
      } else {
        let end = nl;
        if (end > start && data[end - 1] === CR) end -= 1;
        lines.push(toLine(data.subarray(start, end)));
      }
      start = nl + 1;
    }
    data = data.subarray(start);
    if (this.cutting) {
      this.rest = Buffer.alloc(0);
    } else if (data.length > this.maxBytes) {
      lines.push(toLine(data));
      this.cutting = true;
      this.rest = Buffer.alloc(0);
    } else {
      this.rest = Buffer.from(data);
    }
    return lines;
  }

  /** Forgets a partial line (the file was truncated or replaced under it). */
  reset(): void {
    this.rest = Buffer.alloc(0);
    this.cutting = false;
  }

  /** After a jump into the middle of the data: drop bytes up to the next newline. */
  resync(): void {
    this.rest = Buffer.alloc(0);
    this.cutting = true;
  }
}

function toLine(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.length > FOLLOW_LIMITS.lineChars
    ? `${clipText(text, FOLLOW_LIMITS.lineChars)}…`
    : clipText(text, FOLLOW_LIMITS.lineChars);
}
