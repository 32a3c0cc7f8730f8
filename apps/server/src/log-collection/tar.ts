import { TAR_END, tarHeader, tarPadding } from '@fleetdesk/protocol';
import type { Readable } from 'node:stream';

// Bundle names are ours (`bundle-…/<n>-<basename>`); the ustar writer itself is shared with the agent.

export interface TarEntry {
  name: string;
  size: number;
  mtime: Date;
  /** Called when the entry's turn comes, so one file at a time is open. */
  open(): Promise<Readable>;
}

/** Yields the archive's bytes one entry at a time, streaming each file's content. */
export async function* tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>) {
  for await (const entry of entries) {
    yield tarHeader(entry.name, entry.size, entry.mtime);
    let written = 0;
    for await (const chunk of (await entry.open()) as AsyncIterable<Buffer>) {
      written += chunk.length;
      yield chunk;
    }
    if (written !== entry.size) throw new Error(`${entry.name} changed size while archived`);
    yield tarPadding(entry.size);
  }
  yield TAR_END;
}
