import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BODY_VALIDATORS, uuid, type OutputBody, type ResultBody } from '@fleetdesk/protocol';
import { writeFileAtomic } from '../state';
import { appendDurable, isNotFound, syncDir } from './durable';

export const OUTBOX_DIR = 'outbox';
const RESULT_SUFFIX = '.json';
const OUTPUT_SUFFIX = '.out.jsonl';

/** What a run's output adds up to, as its result reports it. */
export interface OutputSummary {
  /** -1 when there was no output. */
  lastSeq: number;
  outputBytes: number;
  truncated: boolean;
}

/** The first bytes of the line the agent adds when it stops capturing a run's output. */
export const TRUNCATION_MARK = '\n[fleetdesk: output truncated after ';

function parseResult(text: string, runId: string): ResultBody | null {
  try {
    const checked = BODY_VALIDATORS.result(JSON.parse(text));
    return checked.ok && checked.value.runId === runId ? checked.value : null;
  } catch {
    return null;
  }
}

function parseOutput(line: string, runId: string): OutputBody | null {
  try {
    const checked = BODY_VALIDATORS.output(JSON.parse(line));
    return checked.ok && checked.value.runId === runId ? checked.value : null;
  } catch {
    return null;
  }
}

/**
 * Results and output the server has not acknowledged yet, one pair of files per run:
 * `outbox/<runId>.out.jsonl` (output chunks, appended and fsynced one by one) and
 * `outbox/<runId>.json` (the result, written atomically). Everything is written here before
 * it is sent, and stays until `result_ack`, so a reconnect or a restart can send it again.
 */
export class Outbox {
  private readonly results = new Map<string, ResultBody>();
  private readonly outputs = new Set<string>();

  private constructor(readonly dir: string) {}

  static async open(stateDir: string): Promise<Outbox> {
    const outbox = new Outbox(join(stateDir, OUTBOX_DIR));
    await mkdir(outbox.dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(outbox.dir)) {
      const runId = name.endsWith(OUTPUT_SUFFIX)
        ? name.slice(0, -OUTPUT_SUFFIX.length)
        : name.endsWith(RESULT_SUFFIX)
          ? name.slice(0, -RESULT_SUFFIX.length)
          : null;
      // Anything else (a temp file an interrupted atomic write left behind) goes.
      if (runId === null || !uuid(runId).ok) {
        await unlink(join(outbox.dir, name)).catch(() => undefined);
        continue;
      }
      if (name.endsWith(OUTPUT_SUFFIX)) {
        outbox.outputs.add(runId);
        continue;
      }
      const result = parseResult(await readFile(join(outbox.dir, name), 'utf8'), runId);
      if (result) outbox.results.set(runId, result);
      else await unlink(join(outbox.dir, name)).catch(() => undefined);
    }
    return outbox;
  }

  result(runId: string): ResultBody | undefined {
    return this.results.get(runId);
  }

  /** Unacknowledged results, oldest first. */
  pendingResults(): ResultBody[] {
    return [...this.results.values()].sort((a, b) => a.finishedAt - b.finishedAt);
  }

  /** Runs with saved output but no result. */
  outputsWithoutResult(): string[] {
    return [...this.outputs].filter((runId) => !this.results.has(runId));
  }

  /**
   * Saves the result (atomically, fsynced). Memory holds it from the moment of the call, so
   * a re-delivered run is answered with it even while the write is under way, and even if
   * the write fails (then it lasts until the agent stops).
   */
  async writeResult(result: ResultBody): Promise<void> {
    this.results.set(result.runId, result);
    await writeFileAtomic(this.resultPath(result.runId), `${JSON.stringify(result)}\n`);
    await syncDir(this.dir);
  }

  async appendOutput(chunk: OutputBody): Promise<void> {
    const first = !this.outputs.has(chunk.runId);
    this.outputs.add(chunk.runId);
    await appendDurable(this.outputPath(chunk.runId), `${JSON.stringify(chunk)}\n`);
    if (first) await syncDir(this.dir);
  }

  /**
   * The run's saved output chunks, in the order they were written (which is seq order).
   * Streams the file: a run may have saved up to its maxOutputBytes. A line a crash cut
   * short is skipped.
   */
  async *readOutput(runId: string): AsyncGenerator<OutputBody> {
    if (!this.outputs.has(runId)) return;
    const stream = createReadStream(this.outputPath(runId), { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        const chunk = line ? parseOutput(line, runId) : null;
        if (chunk) yield chunk;
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    } finally {
      lines.close();
      stream.destroy();
    }
  }

  async summarizeOutput(runId: string): Promise<OutputSummary> {
    const summary: OutputSummary = { lastSeq: -1, outputBytes: 0, truncated: false };
    for await (const chunk of this.readOutput(runId)) {
      summary.lastSeq = Math.max(summary.lastSeq, chunk.seq);
      if (chunk.data.startsWith(TRUNCATION_MARK)) summary.truncated = true;
      else summary.outputBytes += Buffer.byteLength(chunk.data, 'utf8');
    }
    return summary;
  }

  /**
   * Forgets the run. The output goes first: a crash in between leaves a result that is sent
   * once more and acknowledged again, never output without its result.
   */
  async remove(runId: string): Promise<void> {
    await this.removeOutput(runId);
    this.results.delete(runId);
    await unlink(this.resultPath(runId)).catch(ignoreNotFound);
  }

  async removeOutput(runId: string): Promise<void> {
    this.outputs.delete(runId);
    await unlink(this.outputPath(runId)).catch(ignoreNotFound);
  }

  private resultPath(runId: string): string {
    return join(this.dir, `${runId}${RESULT_SUFFIX}`);
  }

  private outputPath(runId: string): string {
    return join(this.dir, `${runId}${OUTPUT_SUFFIX}`);
  }
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
