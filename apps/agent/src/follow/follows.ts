import type { KeyObject } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import {
  describeFollowSource,
  FOLLOW_LIMITS,
  type FollowEndReason,
  type FollowKeepaliveBody,
  followKeepaliveSigningPayload,
  type FollowLinesBody,
  type FollowStartBody,
  followStartSigningPayload,
  type FollowStopBody,
  followStopSigningPayload,
  verifyPayload,
} from '@fleetdesk/protocol';
import type { FollowMessage, Session, SessionHandle } from '../connection';
import { errorMessage, type Logger } from '../log';
import { pathPolicy } from '../logs/policy';
import { clipText } from '../sanitize';
import { FileTail, type Tail, type TailSink } from './file-tail';
import { JournalTail } from './journal-tail';
import { TokenBucket } from './rate';

export interface AgentFollowsOptions {
  deviceId: string;
  serverPublicKey: KeyObject;
  /** Always refused to a follow, as to a collection: it holds the device key. */
  stateDir: string;
  log: Logger;
  platform?: NodeJS.Platform;
  /** journalctl to run (tests point it at a stand-in); default `journalctl` on PATH. */
  journalctl?: string;
  now?: () => number;
  /** How often a file is looked at besides change events. */
  pollMs?: number;
  /** Lines of one moment go out together: the wait before a frame is sent. */
  flushMs?: number;
}

/** Follow ids remembered against replays (a start is only valid for minutes anyway). */
const SEEN_MAX = 1024;
/**
 * JSON bytes of lines one frame carries at most: well under the 1 MiB frame limit, which
 * 200 lines of multi-byte or escaped characters (a control character is 6 bytes in JSON)
 * could pass.
 */
const FRAME_LINE_BYTES = 512 * 1024;

/**
 * The live follows of this agent (at most FOLLOW_LIMITS.perAgent). Each runs only while the
 * socket it was started on is up, the server keeps it alive (`follow_keepalive`) and has not
 * stopped it; whichever ends first stops the reader and releases the file or the journalctl
 * process. Every command is checked against the pinned server key first.
 */
export class AgentFollows {
  private readonly follows = new Map<string, Follow>();
  private readonly seen = new Set<string>();
  private keepaliveIssuedAt = 0;
  private idleTimer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: AgentFollowsOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.follows.size;
  }

  /** What each running follow reads: a real path or `journald:<unit>` (tests, diagnostics). */
  running(): { followId: string; source: string; heldPath: string | null }[] {
    return [...this.follows.values()].map((f) => ({
      followId: f.id,
      source: describeFollowSource(f.start.source),
      heldPath: f.heldPath,
    }));
  }

  attach(session: Session): SessionHandle {
    return {
      // The socket is gone: nobody can see these lines any more, and the server forgets them.
      close: () => void this.stopAll('stopped', 'the connection to the server closed'),
      onFollow: (message) => this.handle(session, message),
    };
  }

  handle(session: Session, message: FollowMessage): void {
    switch (message.type) {
      case 'follow_start':
        void this.start(session, message.body);
        return;
      case 'follow_stop':
        return this.stop(message.body);
      case 'follow_keepalive':
        return this.keepalive(message.body);
    }
  }

  private refuse(session: Session, followId: string, reason: FollowEndReason, message: string) {
    this.options.log.warn(`follow ${followId} refused (${reason}): ${message}`, `follow ${reason}`);
    session.send('follow_status', {
      followId,
      state: 'ended',
      reason,
      message: clipText(message, FOLLOW_LIMITS.messageChars),
    });
  }

  private async start(session: Session, body: FollowStartBody): Promise<void> {
    const { followId } = body;
    const { serverPublicKey, deviceId } = this.options;
    if (body.deviceId !== deviceId) {
      return this.refuse(session, followId, 'rejected', 'the follow is for another device');
    }
    if (!verifyPayload(serverPublicKey, followStartSigningPayload(body), body.signature)) {
      return this.refuse(session, followId, 'rejected', 'the follow is not signed by the server');
    }
    if (this.now() > body.expiresAt) {
      return this.refuse(session, followId, 'rejected', 'the follow request has expired');
    }
    if (this.seen.has(followId)) {
      return this.refuse(session, followId, 'rejected', 'this follow was already started');
    }
    this.remember(followId);
    if (this.follows.size >= FOLLOW_LIMITS.perAgent) {
      return this.refuse(
        session,
        followId,
        'busy',
        `this device already runs ${FOLLOW_LIMITS.perAgent} live follows`,
      );
    }
    const platform = this.options.platform ?? process.platform;
    if (body.source.type === 'journald' && platform !== 'linux' && !this.options.journalctl) {
      return this.refuse(session, followId, 'unavailable', 'journald exists only on Linux');
    }
    const follow = new Follow(body, session, this.options, this.now, (f, reason, message) =>
      this.ended(f, reason, message),
    );
    // Counted from now, so a second start cannot slip past the limit while this one opens.
    this.follows.set(followId, follow);
    const ownStateDir = await realpath(this.options.stateDir).catch(() => this.options.stateDir);
    try {
      await follow.begin(ownStateDir, platform);
    } catch (err) {
      return follow.end('failed', `could not start: ${errorMessage(err)}`);
    }
    this.armIdleTimer();
  }

  private stop(body: FollowStopBody): void {
    const { serverPublicKey, deviceId, log } = this.options;
    if (
      body.deviceId !== deviceId ||
      !verifyPayload(
        serverPublicKey,
        followStopSigningPayload(body.followId, deviceId),
        body.signature,
      )
    ) {
      log.warn(
        'ignoring a follow_stop not signed by the server for this device',
        'follow_stop refused',
      );
      return;
    }
    void this.follows.get(body.followId)?.end('stopped', 'stopped: nobody watches it any more');
  }

  private keepalive(body: FollowKeepaliveBody): void {
    const { serverPublicKey, deviceId, log } = this.options;
    if (
      body.deviceId !== deviceId ||
      !verifyPayload(serverPublicKey, followKeepaliveSigningPayload(body), body.signature)
    ) {
      log.warn('ignoring a follow_keepalive not signed by the server', 'follow_keepalive refused');
      return;
    }
    if (body.issuedAt <= this.keepaliveIssuedAt) {
      log.warn('ignoring an old follow_keepalive', 'follow_keepalive replayed');
      return;
    }
    this.keepaliveIssuedAt = body.issuedAt;
    for (const id of body.followIds) this.follows.get(id)?.touch();
  }

  private remember(followId: string): void {
    if (this.seen.size >= SEEN_MAX) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.add(followId);
  }

  private armIdleTimer(): void {
    if (this.idleTimer || this.follows.size === 0) return;
    this.idleTimer = setInterval(() => {
      const now = this.now();
      for (const f of this.follows.values()) {
        if (f.idleFor(now) > f.start.keepaliveTimeoutMs) {
          void f.end('idle', `no viewer for ${Math.round(f.start.keepaliveTimeoutMs / 1000)} s`);
        }
      }
    }, 1000);
    this.idleTimer.unref?.();
  }

  private ended(follow: Follow, reason: FollowEndReason, message: string): void {
    if (this.follows.get(follow.id) !== follow) return;
    this.follows.delete(follow.id);
    this.options.log.info(
      `follow ${follow.id} of ${describeFollowSource(follow.start.source)} ended (${reason}): ${message}`,
    );
    if (this.follows.size === 0) {
      clearInterval(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  async stopAll(reason: FollowEndReason, message: string): Promise<void> {
    await Promise.all([...this.follows.values()].map((f) => f.end(reason, message)));
  }

  /** The agent is stopping: every reader is stopped and its file or process released. */
  close(): Promise<void> {
    return this.stopAll('shutdown', 'the agent is stopping');
  }
}

/** One follow: its reader, its rate limit and the frame being filled. */
class Follow implements TailSink {
  private tail: Tail | null = null;
  private readonly bucket: TokenBucket;
  private seq = 0;
  private pending: {
    lines: string[];
    skippedLines: number;
    skippedBytes: number;
    notice?: string;
  } = { lines: [], skippedLines: 0, skippedBytes: 0 };
  private pendingBytes = 0;
  private flushTimer?: NodeJS.Timeout;
  private lastKeepalive: number;
  private ending: Promise<void> | null = null;

  constructor(
    readonly start: FollowStartBody,
    private readonly session: Session,
    private readonly options: AgentFollowsOptions,
    private readonly now: () => number,
    private readonly onEnded: (f: Follow, reason: FollowEndReason, message: string) => void,
  ) {
    this.bucket = new TokenBucket(start.linesPerSecond, start.bytesPerSecond, now);
    this.lastKeepalive = now();
  }

  get id(): string {
    return this.start.followId;
  }

  get heldPath(): string | null {
    return this.tail instanceof FileTail ? this.tail.heldPath : null;
  }

  touch(): void {
    this.lastKeepalive = this.now();
  }

  idleFor(now: number): number {
    return now - this.lastKeepalive;
  }

  async begin(ownStateDir: string, platform: NodeJS.Platform): Promise<void> {
    const { source, lastLines, bytesPerSecond } = this.start;
    if (source.type === 'file') {
      this.tail = await FileTail.start({
        path: source.path,
        policy: pathPolicy({
          allow: this.start.allow,
          deny: this.start.deny,
          ownStateDir,
          platform,
        }),
        lastLines,
        sink: this,
        pollMs: this.options.pollMs,
        maxReadBytes: bytesPerSecond,
        // Four seconds of budget behind: jump, rather than read what would be dropped anyway.
        maxBacklogBytes: bytesPerSecond * 4,
      });
    } else {
      this.tail = await JournalTail.start({
        unit: source.unit,
        lastLines,
        sink: this,
        journalctl: this.options.journalctl ?? 'journalctl',
      });
    }
    // Stopped while it opened: end() found no reader to close, so close it here.
    if (this.ending) return this.tail.close();
    const { verdict } = this.tail;
    if (!verdict.ok) {
      this.options.log.warn(
        `follow ${this.id} refused (${verdict.reason}): ${verdict.message}`,
        `follow ${verdict.reason}`,
      );
      return this.end(verdict.reason, verdict.message, verdict.realPath);
    }
    this.options.log.info(`follow ${this.id}: ${verdict.message}`);
    this.session.send('follow_status', {
      followId: this.id,
      state: 'following',
      message: clipText(verdict.message, FOLLOW_LIMITS.messageChars),
      ...(verdict.realPath ? { realPath: clipText(verdict.realPath, 1024) } : {}),
    });
  }

  // ---- TailSink: what the reader hands over, rate-limited and batched ----

  lines(lines: string[]): void {
    for (const line of lines) {
      if (this.bucket.take(Buffer.byteLength(line) + 1)) {
        const size = Buffer.byteLength(JSON.stringify(line)) + 1;
        if (this.pendingBytes + size > FRAME_LINE_BYTES) this.flush();
        this.pending.lines.push(line);
        this.pendingBytes += size;
        if (this.pending.lines.length >= FOLLOW_LIMITS.linesPerFrame) this.flush();
      } else {
        // A skip count goes before the lines it precedes: send what came before it first.
        if (this.pending.lines.length > 0) this.flush();
        this.pending.skippedLines += 1;
      }
    }
    this.scheduleFlush();
  }

  notice(text: string): void {
    this.flush();
    this.pending.notice = clipText(text, FOLLOW_LIMITS.messageChars);
    this.flush();
  }

  skippedBytes(bytes: number): void {
    if (this.pending.lines.length > 0) this.flush();
    this.pending.skippedBytes += bytes;
    this.scheduleFlush();
  }

  failed(reason: FollowEndReason, message: string): void {
    void this.end(reason, message);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.options.flushMs ?? 20);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const p = this.pending;
    if (p.lines.length === 0 && p.skippedLines === 0 && p.skippedBytes === 0 && !p.notice) return;
    this.pending = { lines: [], skippedLines: 0, skippedBytes: 0 };
    this.pendingBytes = 0;
    const body: FollowLinesBody = {
      followId: this.id,
      seq: this.seq++,
      lines: p.lines,
      ...(p.skippedLines > 0 ? { skippedLines: p.skippedLines } : {}),
      ...(p.skippedBytes > 0 ? { skippedBytes: p.skippedBytes } : {}),
      ...(p.notice ? { notice: p.notice } : {}),
    };
    // The socket is gone: no one will read these lines, so stop reading.
    if (!this.session.send('follow_lines', body)) {
      void this.end('stopped', 'the connection to the server closed');
    }
  }

  /** Stops the reader (releasing the file or the process), then says why to the server. */
  end(reason: FollowEndReason, message: string, realPath?: string): Promise<void> {
    this.ending ??= this.finish(reason, message, realPath);
    return this.ending;
  }

  private async finish(reason: FollowEndReason, message: string, realPath?: string): Promise<void> {
    // After `ending` is set: a flush whose send fails calls end() again and must find it.
    await Promise.resolve();
    this.flush();
    clearTimeout(this.flushTimer);
    await this.tail?.close().catch(() => undefined);
    this.onEnded(this, reason, message);
    this.session.send('follow_status', {
      followId: this.id,
      state: 'ended',
      reason,
      message: clipText(message, FOLLOW_LIMITS.messageChars),
      ...(realPath ? { realPath: clipText(realPath, 1024) } : {}),
    });
  }
}
