import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { logUploadErrorCode, parseLogChunkFrame } from '@fleetdesk/protocol';
import { type AgentReply, AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { AppException } from '../common/app-exception';
import { LogUploadService } from './log-upload.service';

/**
 * Chunk frames one socket may have in the store at once. The uploader sends one and waits
 * for its answer; more is a peer trying to flood the store, refused (RATE_LIMITED, which an
 * honest uploader retries after its backoff).
 */
export const MAX_CHUNK_FRAMES_IN_FLIGHT = 4;

/**
 * Log uploads over the agent's socket (protocol 7): the same manifest and chunks as the HTTP
 * routes, through the same LogUploadService, which checks and audits them alike. The device
 * is the socket's, proven by its handshake: no per-request signature.
 */
@Injectable()
export class LogUploadSocket implements OnModuleInit {
  private readonly logger = new Logger('LogUploadSocket');
  private readonly inFlight = new WeakMap<object, number>();

  constructor(
    private readonly gateway: AgentGatewayService,
    private readonly uploads: LogUploadService,
  ) {}

  onModuleInit(): void {
    this.gateway.route('log_manifest', (deviceId, body, from) => {
      void this.uploads.manifest(deviceId, body.runId, body.manifest).then(
        (state) => from.send('log_upload_state', { ...state, refId: from.id }),
        (error: unknown) => this.refuse(deviceId, from, error, from.id),
      );
    });
    this.gateway.routeBinary((deviceId, data, from) => this.chunk(deviceId, data, from));
  }

  private async chunk(deviceId: string, data: Buffer, from: Omit<AgentReply, 'id'>) {
    const parsed = parseLogChunkFrame(data);
    if (!parsed.ok) {
      from.send('error', {
        code: parsed.code,
        message: parsed.message.slice(0, 1000),
        ...(parsed.refId ? { refId: parsed.refId } : {}),
      });
      return;
    }
    const { header, body } = parsed;
    const busy = this.inFlight.get(from.connection) ?? 0;
    if (busy >= MAX_CHUNK_FRAMES_IN_FLIGHT) {
      from.send('error', {
        code: 'RATE_LIMITED',
        message: `at most ${MAX_CHUNK_FRAMES_IN_FLIGHT} chunk frames at once`,
        refId: header.id,
      });
      return;
    }
    this.inFlight.set(from.connection, busy + 1);
    try {
      const answer = await this.uploads.chunk(
        deviceId,
        header.runId,
        header.index,
        header.seq,
        header.sha256,
        body,
        header.count,
      );
      from.send('log_chunk_ack', {
        refId: header.id,
        nextSeq: answer.nextSeq,
        complete: answer.complete,
      });
    } catch (error) {
      this.refuse(deviceId, from, error, header.id);
    } finally {
      this.inFlight.set(from.connection, (this.inFlight.get(from.connection) ?? 1) - 1);
    }
  }

  private refuse(
    deviceId: string,
    from: Omit<AgentReply, 'id'>,
    error: unknown,
    refId: string,
  ): void {
    const status = error instanceof AppException ? error.status : 500;
    const code = logUploadErrorCode(status);
    if (code === 'INTERNAL_ERROR' || (error instanceof AppException && error.operatorAttention)) {
      this.logger.error(`log upload from device ${deviceId} failed: ${String(error)}`);
    }
    from.send('error', {
      code,
      message: (code === 'INTERNAL_ERROR'
        ? 'the upload could not be stored'
        : String((error as Error).message)
      ).slice(0, 1000),
      refId,
    });
  }
}
