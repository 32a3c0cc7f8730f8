import { StringDecoder } from 'node:string_decoder';
import { JOB_LIMITS, type OutputBody } from '@fleetdesk/protocol';
import { SecretMasker } from './mask';
import { TRUNCATION_MARK, type OutputSummary } from './outbox';

export type OutputStream = OutputBody['stream'];

export interface OutputCollectorOptions {
  runId: string;
  /** Bytes captured at most, both streams together (the spec's maxOutputBytes). */
  maxBytes: number;
  /** Called with each chunk, seq 0, 1, 2, … in order. */
  emit(chunk: OutputBody): void;
  /** A batch goes out this long after its first byte arrived … */
  flushMs?: number;
  /** … or as soon as it holds this many bytes. */
  flushBytes?: number;
  /** Characters per chunk at most. */
  chunkLength?: number;
  /** Values replaced by `***` before anything is sent (see mask.ts). */
  secrets?: readonly string[];
}

/**
 * Turns a process's stdout and stderr bytes into ordered `output` chunks: batched, so a
 * chatty script does not send a frame per line; decoded as UTF-8 with a decoder per stream,
 * so a character split across two reads arrives whole; and capped at `maxBytes`, after
 * which one marker chunk says so and the rest is read and dropped. Secret values are masked
 * per stream before batching, so a secret split across two reads is still caught. Owns its
 * flush timer; `finish()` clears it.
 */
export class OutputCollector {
  private seq = 0;
  private bytes = 0;
  private truncated = false;
  private finished = false;
  private pending: { stream: OutputStream; text: string; bytes: number } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };
  private readonly maskers: Record<OutputStream, SecretMasker>;
  private readonly flushMs: number;
  private readonly flushBytes: number;
  private readonly chunkLength: number;

  constructor(private readonly options: OutputCollectorOptions) {
    this.flushMs = options.flushMs ?? 100;
    this.flushBytes = options.flushBytes ?? 16 * 1024;
    this.chunkLength = Math.min(
      options.chunkLength ?? JOB_LIMITS.chunkLength,
      JOB_LIMITS.chunkLength,
    );
    const secrets = options.secrets ?? [];
    this.maskers = { stdout: new SecretMasker(secrets), stderr: new SecretMasker(secrets) };
  }

  push(stream: OutputStream, data: Buffer): void {
    if (this.finished || this.truncated) return;
    const room = this.options.maxBytes - this.bytes;
    const kept = data.length > room ? data.subarray(0, room) : data;
    this.bytes += kept.length;
    this.add(stream, this.maskers[stream].write(this.decoders[stream].write(kept)), kept.length);
    if (kept.length < data.length) {
      // The decoder may hold the first bytes of a character cut by the cap: they go too, and
      // so does a held possible start of a secret, whose rest the cap cut off.
      for (const masker of Object.values(this.maskers)) masker.discard();
      this.truncated = true;
      this.add(stream, `${TRUNCATION_MARK}${this.options.maxBytes} bytes]\n`, 0);
      this.flush();
    }
  }

  /** Emits whatever is left and reports the totals; later pushes are ignored. */
  finish(): OutputSummary {
    if (!this.finished) {
      if (!this.truncated) {
        for (const stream of ['stdout', 'stderr'] as const) {
          const masker = this.maskers[stream];
          this.add(stream, masker.write(this.decoders[stream].end()) + masker.end(), 0);
        }
      }
      this.flush();
      this.finished = true;
    }
    return { lastSeq: this.seq - 1, outputBytes: this.bytes, truncated: this.truncated };
  }

  private add(stream: OutputStream, text: string, bytes: number): void {
    if (!text) return;
    if (this.pending && this.pending.stream !== stream) this.flush();
    this.pending ??= { stream, text: '', bytes: 0 };
    this.pending.text += text;
    this.pending.bytes += bytes;
    if (this.pending.bytes >= this.flushBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = null;
    if (!batch) return;
    // The wire refuses NUL (it ends up in PostgreSQL text); binary output shows as U+FFFD.
    const text = batch.text.replaceAll('\u0000', '\ufffd');
    for (const data of splitText(text, this.chunkLength)) {
      this.options.emit({ runId: this.options.runId, seq: this.seq++, stream: batch.stream, data });
    }
  }
}

/** Pieces of at most `max` UTF-16 units, never cutting a surrogate pair in two. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
