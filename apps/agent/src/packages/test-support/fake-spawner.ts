import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ChildLike, SpawnRequest, Spawner } from '../executor';

/** A fixture's text without its "## " comment lines (which say where the output came from). */
export function fixture(name: string): string {
  const text = readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');
  return text
    .split('\n')
    .filter((line) => !line.startsWith('## '))
    .join('\n');
}

export interface FakeReply {
  stdout?: string;
  stderr?: string;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  /** Never exits on its own: only a kill ends it. */
  hang?: boolean;
  /** Throws from spawn, or fails to start (ENOENT). */
  missing?: boolean;
}

export interface SpawnCall {
  file: string;
  args: readonly string[];
  request: SpawnRequest;
}

/**
 * A spawner that answers from a table keyed by "file arg1 arg2 …". A key with several
 * replies gives them in turn (the last one repeats); an unknown command is "not found".
 */
export function fakeSpawner(replies: Record<string, FakeReply | FakeReply[]>) {
  const calls: SpawnCall[] = [];
  const kills: NodeJS.Signals[] = [];
  const used = new Map<string, number>();
  const spawner: Spawner = (file, args, request) => {
    calls.push({ file, args: [...args], request });
    const key = [file, ...args].join(' ');
    const entry = replies[key];
    const list = entry === undefined ? [{ missing: true }] : Array.isArray(entry) ? entry : [entry];
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    const reply = list[Math.min(n, list.length - 1)] ?? {};
    return fakeChild(reply, kills);
  };
  return {
    spawner,
    calls,
    kills,
    commandLines: () => calls.map((c) => [c.file, ...c.args].join(' ')),
  };
}

function fakeChild(reply: FakeReply, kills: NodeJS.Signals[]): ChildLike {
  const child = new EventEmitter() as EventEmitter & {
    pid?: number;
    stdout: PassThrough;
    stderr: PassThrough;
    kill(signal?: NodeJS.Signals): boolean;
  };
  child.stdout = new PassThrough();
  child.stderr = new PassThrough();
  let exited = false;
  const exit = (code: number | null, signal: NodeJS.Signals | null) => {
    if (exited) return;
    exited = true;
    child.stdout.end();
    child.stderr.end();
    setImmediate(() => child.emit('close', code, signal));
  };
  child.kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    kills.push(signal);
    exit(null, signal);
    return true;
  };
  if (reply.missing) {
    setImmediate(() => {
      child.emit('error', Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }));
      child.emit('close', -2, null);
    });
    return child;
  }
  child.pid = 4242;
  setImmediate(() => {
    if (reply.stdout) child.stdout.write(reply.stdout);
    if (reply.stderr) child.stderr.write(reply.stderr);
    if (!reply.hang) exit(reply.code ?? 0, reply.signal ?? null);
  });
  return child;
}
