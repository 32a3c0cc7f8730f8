import aws4 from 'aws4';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { S3Config } from '../config/app-config';
import {
  type ByteRange,
  checkNamespace,
  checkRange,
  checkSha256,
  ObjectStore,
  type StoredObject,
} from './object-store';
import { spool } from './spool';

/** SHA-256 of no bytes: the payload hash of a request without a body. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** How long one request to the bucket may take without a byte moving. */
const IDLE_TIMEOUT_MS = 60_000;

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

class StaleSocketError extends Error {}

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…), addressed path-style as
 * `<endpoint>/<bucket>/<prefix>/<namespace>/<sha256>` and signed with Signature V4.
 *
 * An upload is spooled to a file under `spoolDir` first (hashed and cut at the limit as it
 * arrives), because S3 needs the length up front, and the content-addressed key is known only
 * at the end. Its SHA-256 is then also the signed payload hash, so the bucket itself refuses
 * the PUT if a byte changed on the way. The spool file is removed whatever happens.
 */
export class S3ObjectStore extends ObjectStore {
  readonly kind = 's3' as const;

  constructor(
    private readonly config: S3Config,
    private readonly spoolDir: string,
  ) {
    super();
  }

  private key(namespace: string, sha256: string): string {
    checkNamespace(namespace);
    checkSha256(sha256);
    return [this.config.prefix, namespace, sha256].filter(Boolean).join('/');
  }

  async put(namespace: string, source: Readable, maxBytes: number) {
    checkNamespace(namespace);
    const spooled = await spool(source, this.spoolDir, maxBytes);
    try {
      await this.upload(namespace, spooled.path, spooled.sha256, spooled.size);
      return { sha256: spooled.sha256, size: spooled.size };
    } finally {
      await rm(spooled.path, { force: true });
    }
  }

  /** Sent straight from the file: its hash is the signed payload hash, checked by the bucket. */
  async putFile(namespace: string, path: string, sha256: string, size: number): Promise<void> {
    const found = (await stat(path)).size;
    if (found !== size) throw new Error(`${path} holds ${found} bytes, not ${size}`);
    await this.upload(namespace, path, sha256, size);
  }

  private async upload(namespace: string, path: string, sha256: string, size: number) {
    const key = this.key(namespace, sha256);
    const res = await this.send('PUT', key, {
      sha256,
      length: size,
      body: () => createReadStream(path),
    });
    await this.expectOk(res, 'PUT', key);
    res.resume();
  }

  async open(namespace: string, sha256: string, range?: ByteRange): Promise<StoredObject | null> {
    checkRange(range);
    const key = this.key(namespace, sha256);
    const res = await this.send('GET', key, undefined, range);
    if (res.statusCode === 404) {
      res.resume();
      return null;
    }
    if (range && res.statusCode === 416) {
      // The range starts past the end: no bytes, as the disk store answers.
      res.resume();
      return { stream: Readable.from([]), size: 0 };
    }
    await this.expectOk(res, 'GET', key);
    if (range && res.statusCode !== 206) {
      // A service that ignored the Range header would hand back the wrong bytes.
      res.destroy();
      throw new S3Error(502, 'NoRange', `S3 GET ${key}: the range was not honoured`);
    }
    const size = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(size)) {
      res.destroy();
      throw new S3Error(502, 'NoContentLength', `S3 GET ${key}: the answer has no length`);
    }
    return { stream: res, size };
  }

  async remove(namespace: string, sha256: string): Promise<void> {
    const key = this.key(namespace, sha256);
    const res = await this.send('DELETE', key);
    // S3 answers 204 whether or not the key existed; some compatible servers answer 404.
    if (res.statusCode === 404) {
      res.resume();
      return;
    }
    await this.expectOk(res, 'DELETE', key);
    res.resume();
  }

  /** Checks the bucket answers with these credentials; run at boot so a typo stops the server. */
  async check(): Promise<void> {
    const res = await this.send('HEAD', '');
    await this.expectOk(res, 'HEAD', '(the bucket)');
    res.resume();
  }

  /**
   * One signed request. A kept-alive connection the service closed meanwhile fails at once
   * with ECONNRESET; every request here is idempotent (a PUT writes the same bytes under their
   * own hash), so that one case is sent again, once, on a new connection.
   */
  private async send(
    method: 'GET' | 'PUT' | 'DELETE' | 'HEAD',
    key: string,
    upload?: { sha256: string; length: number; body: () => Readable },
    range?: ByteRange,
  ): Promise<IncomingMessage> {
    try {
      return await this.sendOnce(method, key, upload, range);
    } catch (err) {
      if (!(err instanceof StaleSocketError)) throw err;
      return this.sendOnce(method, key, upload, range);
    }
  }

  private sendOnce(
    method: 'GET' | 'PUT' | 'DELETE' | 'HEAD',
    key: string,
    upload?: { sha256: string; length: number; body: () => Readable },
    range?: ByteRange,
  ): Promise<IncomingMessage> {
    const base = new URL(this.config.endpoint);
    const path = `/${this.config.bucket}${key ? `/${key}` : ''}`;
    const headers: Record<string, string> = {
      'X-Amz-Content-Sha256': upload?.sha256 ?? EMPTY_SHA256,
    };
    if (range) headers.Range = `bytes=${range.start}-${range.end}`;
    if (upload) {
      headers['Content-Length'] = String(upload.length);
      headers['Content-Type'] = 'application/octet-stream';
    }
    const signed = aws4.sign(
      { host: base.host, path, method, service: 's3', region: this.config.region, headers },
      { accessKeyId: this.config.accessKeyId, secretAccessKey: this.config.secretAccessKey },
    );
    const request = base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          method,
          path,
          headers: signed.headers as Record<string, string>,
          timeout: IDLE_TIMEOUT_MS,
        },
        resolve,
      );
      req.once('error', (err: NodeJS.ErrnoException) =>
        reject(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError() : err),
      );
      req.once('timeout', () =>
        req.destroy(new S3Error(504, 'Timeout', `S3 ${method} ${key}: no answer in time`)),
      );
      if (!upload) {
        req.end();
        return;
      }
      const body = upload.body();
      body.once('error', (err) => req.destroy(err));
      body.pipe(req);
    });
  }

  /** A 2xx passes; anything else becomes an S3Error with the service's own code and message. */
  private async expectOk(res: IncomingMessage, method: string, key: string): Promise<void> {
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    let text = '';
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (text.length < 4096) text += chunk.toString('utf8');
    }
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
    throw new S3Error(
      status,
      code,
      `S3 ${method} ${key}: ${status} ${code}${message ? ` (${message})` : ''}`,
    );
  }
}
